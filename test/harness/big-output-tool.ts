import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../../src/tools/define-tool.js';

/**
 * A tool whose output is long enough (about 24 KB) to be kept in the content store rather than inline: for tests of
 * what the store holds. `firstLine` opens the output (a marker a test looks for, or not).
 */
export function bigOutputTool(firstLine?: string): ToolDefinition {
  const report = 'report line\n'.repeat(2_000);
  return defineTool({
    name: 'big_output',
    description: 'Prints a long report.',
    inputSchema: z.object({}),
    safeToRetry: true,
    handler: () => (firstLine === undefined ? report : `${firstLine}\n${report}`),
  });
}
