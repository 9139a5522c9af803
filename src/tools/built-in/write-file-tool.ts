import { builtInToolSpecs } from '../../shared/tool-specs.js';
import { defineTool, type ToolDefinition } from '../define-tool.js';
import { requireSandbox } from './require-sandbox.js';

/** `write_file`: a whole file in the session directory. Writing the same content twice is harmless: safe to retry. */
export function createWriteFileTool(): ToolDefinition {
  return defineTool({
    name: 'write_file',
    ...builtInToolSpecs.write_file,
    usesSandbox: true,
    safeToRetry: true,
    timeoutMs: 60_000,
    async handler(input, context) {
      const written = await requireSandbox(context).writeFile(input.path, Buffer.from(input.content, 'utf8'));
      return `wrote ${written} bytes to ${input.path}`;
    },
  });
}
