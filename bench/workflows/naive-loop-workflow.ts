/**
 * The naive durable agent loop, as a baseline for history size: the whole transcript goes into every model
 * activity's input, so each turn's history grows with every turn before it. This is what Keel is measured against;
 * it lives in the benchmark, never in the product.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../../src/activities/index.js';
import type { ContentBlock, Message, ToolUseBlock } from '../../src/shared/schemas/content.js';
import type { createBenchActivities } from './bench-activities.js';

type Activities = ReturnType<typeof createActivities> & ReturnType<typeof createBenchActivities>;

const { callModel, produceToolOutput } = proxyActivities<Activities>({
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

/** Runs `turns` model calls, each followed by one tool call whose output joins the transcript. */
export async function naiveLoopWorkflow(input: NaiveLoopInput): Promise<{ turns: number }> {
  const messages: Message[] = [{ role: 'user', content: input.firstMessage }];
  const tools = [{ name: input.toolName, description: 'Returns bytes of output.', inputSchema: { type: 'object', properties: {} } }];
  for (let turn = 1; turn <= input.turns; turn += 1) {
    const response = await callModel({
      sessionId: 'naive',
      turn,
      model: input.model,
      maxOutputTokens: 1024,
      system: input.system,
      messages,
      tools,
    });
    messages.push({ role: 'assistant', content: response.content });
    const calls = response.content.filter((block): block is ToolUseBlock => block.type === 'tool_use');
    const results: ContentBlock[] = [];
    for (const call of calls) {
      const output = await produceToolOutput({ bytes: input.toolOutputBytes, turn });
      results.push({ type: 'tool_result', tool_use_id: call.id, content: output });
    }
    messages.push({ role: 'user', content: results.length > 0 ? results : `next (${turn})` });
  }
  return { turns: input.turns };
}
