import { ToolError } from '../../errors.js';
import { builtInToolSpecs } from '../../shared/tool-specs.js';
import { defineTool, type ToolDefinition } from '../define-tool.js';
import { requireSandbox } from './require-sandbox.js';

function countOccurrences(text: string, search: string): number {
  let count = 0;
  for (let index = text.indexOf(search); index !== -1; index = text.indexOf(search, index + search.length)) count += 1;
  return count;
}

/**
 * `edit_file`: replaces text that occurs exactly once. Not safe to retry: after a lost first attempt that did
 * apply, a second would report the text as missing.
 */
export function createEditFileTool(): ToolDefinition {
  return defineTool({
    name: 'edit_file',
    ...builtInToolSpecs.edit_file,
    usesSandbox: true,
    safeToRetry: false,
    timeoutMs: 60_000,
    async handler(input, context) {
      const sandbox = requireSandbox(context);
      const text = Buffer.from(await sandbox.readFile(input.path)).toString('utf8');
      const occurrences = countOccurrences(text, input.old);
      if (occurrences === 0) throw new ToolError(`edit_file: the text to replace was not found in ${input.path}; nothing changed (read the file and copy the text exactly)`);
      if (occurrences > 1) throw new ToolError(`edit_file: the text to replace occurs ${occurrences} times in ${input.path}; nothing changed (include more surrounding text so it occurs once)`);
      const index = text.indexOf(input.old);
      // Sliced, not String.replace: `$&` and friends in the new text must stay literal.
      const edited = text.slice(0, index) + input.new + text.slice(index + input.old.length);
      await sandbox.writeFile(input.path, Buffer.from(edited, 'utf8'));
      return `edited ${input.path}: replaced 1 occurrence`;
    },
  });
}
