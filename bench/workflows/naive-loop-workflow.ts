/**
 * The naive durable agent loop, as a baseline for history size: the whole transcript goes into every model
 * activity's input, so each turn's history grows with every turn before it. Its turns are Keel's: a user message,
 * a model call asking for the tool, the tool, a model call answering. This is what Keel is measured against; it
 * lives in the benchmark, never in the product.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ContentBlock, Message, ToolUseBlock } from '../../src/shared/schemas/content.js';
import type { createBenchActivities } from './bench-activities.js';

type Activities = ReturnType<typeof createBenchActivities>;

const { callModelWithTranscript, produceToolOutput } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '100 ms', maximumAttempts: 5 },
});

export interface NaiveLoopInput {
  turns: number;
  toolOutputBytes: number;
  model: string;
  system: string;
  firstMessage: string;
  toolName: string;
}

/** Runs `turns` turns of one user message each, answering every tool call with `toolOutputBytes` of output. */
export async function naiveLoopWorkflow(input: NaiveLoopInput): Promise<{ turns: number }> {
  const messages: Message[] = [];
  const tools = [{ name: input.toolName, description: 'Returns 10 KB of output.', inputSchema: { type: 'object', properties: { seed: { type: 'integer' } } } }];
  for (let turn = 1; turn <= input.turns; turn += 1) {
    messages.push({ role: 'user', content: turn === 1 ? `${input.firstMessage}\nTurn 1: run the tool.` : `Turn ${turn}: run the tool.` });
    for (let call = 1; call <= 10; call += 1) {
      const response = await callModelWithTranscript({ sessionId: 'naive', turn, model: input.model, maxOutputTokens: 1024, system: input.system, messages, tools });
      messages.push({ role: 'assistant', content: response.content });
      const calls = response.content.filter((block): block is ToolUseBlock => block.type === 'tool_use');
      if (calls.length === 0) break;
      const results: ContentBlock[] = [];
      for (const toolCall of calls) {
        results.push({ type: 'tool_result', tool_use_id: toolCall.id, content: await produceToolOutput({ bytes: input.toolOutputBytes, seed: turn }) });
      }
      messages.push({ role: 'user', content: results });
    }
  }
  return { turns: input.turns };
}
