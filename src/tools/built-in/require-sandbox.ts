import { ToolError } from '../../errors.js';
import type { ToolContext, ToolSandbox } from '../define-tool.js';

/** The call's sandbox. @throws ToolError when the session has none (its sandbox provider is `none`). */
export function requireSandbox(context: ToolContext): ToolSandbox {
  if (!context.sandbox) throw new ToolError('this session has no sandbox to run the tool in');
  return context.sandbox;
}
