import { ToolError } from '../../errors.js';
import { cutNote } from '../../sandboxes/output-capture.js';
import { builtInToolSpecs } from '../../shared/tool-specs.js';
import { defineTool, type ToolDefinition } from '../define-tool.js';
import type { BuiltInToolOptions } from './built-in-tool-options.js';
import { requireSandbox } from './require-sandbox.js';

/** Lines returned when the model sets no `limit`. */
const defaultLineLimit = 2000;

/** `read_file`: lines of a text file in the session directory. Reads only: safe to retry. */
export function createReadFileTool(options: BuiltInToolOptions): ToolDefinition {
  return defineTool({
    name: 'read_file',
    ...builtInToolSpecs.read_file,
    usesSandbox: true,
    safeToRetry: true,
    timeoutMs: 60_000,
    async handler(input, context) {
      const bytes = Buffer.from(await requireSandbox(context).readFile(input.path));
      if (bytes.subarray(0, 8192).includes(0)) {
        throw new ToolError(`"${input.path}" is a binary file (${bytes.length} bytes); inspect it with bash (file, xxd, head -c)`);
      }
      const lines = bytes.toString('utf8').split('\n');
      // A final newline ends the last line; it does not start another.
      if (lines.length > 1 && lines.at(-1) === '') lines.pop();
      const offset = input.offset ?? 0;
      const limit = input.limit ?? defaultLineLimit;
      if (offset >= lines.length && !(offset === 0 && bytes.length === 0)) {
        throw new ToolError(`"${input.path}" has ${lines.length} lines; offset ${offset} is past its end`);
      }
      const selected = lines.slice(offset, offset + limit);
      let text = selected.join('\n');
      const notes: string[] = [];
      if (Buffer.byteLength(text) > options.maxOutputBytes) {
        const kept = Buffer.from(text).subarray(0, options.maxOutputBytes).toString('utf8').replace(/\uFFFD$/, '');
        text = `${kept}${cutNote(Buffer.byteLength(text) - Buffer.byteLength(kept)).trimEnd()}`;
        notes.push('read a smaller range with offset and limit to see the rest');
      }
      const end = offset + selected.length;
      if (offset > 0 || end < lines.length) notes.push(`lines ${offset + 1}-${end} of ${lines.length}${end < lines.length ? `; continue with offset ${end}` : ''}`);
      return notes.length > 0 ? `${text}\n[${notes.join('; ')}]` : text;
    },
  });
}
