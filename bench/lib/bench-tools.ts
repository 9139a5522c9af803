/**
 * The bench's tools, defined with Keel's own `defineTool` so that a Keel session runs them as real tool calls (the
 * `runTool` activity), while the plain loop and the LangGraph peer run the very same handlers in-process. Neither
 * touches a sandbox: a turn's tool work is the same small function everywhere, so what differs is durability.
 */
import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../../src/tools/index.js';
import { fillerText, lookupAnswer } from './tool-answers.js';

export { fillerText, lookupAnswer };

/** A short lookup: the tool call of every turn in the overhead comparisons. */
export const benchLookupToolName = 'bench_lookup';
/** 10 KB of output: the tool call of every turn in the history-growth comparison. */
export const benchOutputToolName = 'bench_output';
export const benchOutputBytes = 10 * 1024;

export function benchTools(): ToolDefinition[] {
  return [
    defineTool({
      name: benchLookupToolName,
      description: 'Looks a key up and returns its value.',
      inputSchema: z.object({ key: z.string() }),
      safeToRetry: true,
      handler: (input) => lookupAnswer(input.key),
    }),
    defineTool({
      name: benchOutputToolName,
      description: 'Returns 10 KB of output, like a cat of a mid-sized file.',
      inputSchema: z.object({ seed: z.number().int() }),
      safeToRetry: true,
      handler: (input) => fillerText(benchOutputBytes, input.seed),
    }),
  ];
}
