import { builtInToolSpecs } from '../../shared/tool-specs.js';
import { defineTool, type ToolDefinition } from '../define-tool.js';
import { requireSandbox } from './require-sandbox.js';

/** Entries shown in one answer. */
const maxShownEntries = 1000;

/** `list_files`: what is under a directory of the session directory. Reads only: safe to retry. */
export function createListFilesTool(): ToolDefinition {
  return defineTool({
    name: 'list_files',
    ...builtInToolSpecs.list_files,
    usesSandbox: true,
    safeToRetry: true,
    timeoutMs: 60_000,
    async handler(input, context) {
      const entries = await requireSandbox(context).listFiles(input.path);
      if (entries.length === 0) return `${input.path ?? 'the session directory'} is empty`;
      const lines = entries.slice(0, maxShownEntries).map((entry) => {
        if (entry.type === 'directory') return `${entry.name}/`;
        if (entry.type === 'file') return `${entry.name} (${entry.size} bytes)`;
        return `${entry.name} (link or special file)`;
      });
      if (entries.length > maxShownEntries) lines.push(`[${entries.length - maxShownEntries} more entries not shown; list a subdirectory]`);
      return lines.join('\n');
    },
  });
}
