/** The built-in tools (README.md, "Tools, sandboxes and guardrails"). Worker-side. */
import type { ToolDefinition } from '../define-tool.js';
import { createBashTool } from './bash-tool.js';
import type { BuiltInToolOptions } from './built-in-tool-options.js';
import { createEditFileTool } from './edit-file-tool.js';
import { createListFilesTool } from './list-files-tool.js';
import { createReadFileTool } from './read-file-tool.js';
import { createWriteFileTool } from './write-file-tool.js';

export { defaultBuiltInToolOptions, type BuiltInToolOptions } from './built-in-tool-options.js';

export function createBuiltInTools(options: BuiltInToolOptions): ToolDefinition[] {
  return [createBashTool(options), createReadFileTool(options), createWriteFileTool(), createEditFileTool(), createListFilesTool()];
}
