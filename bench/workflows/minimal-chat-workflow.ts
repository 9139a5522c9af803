/**
 * The least a durable agent loop on Temporal can do, as a floor under Keel's overhead: an update per user
 * message; each model call and each tool call an activity; the whole conversation kept in the workflow and sent
 * to every model call. No validation, no content store, no visibility, no approvals, no limits. Its turns are
 * Keel's, so the difference between the two is what Keel adds to what Temporal costs. Bench-only.
 */
import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ContentBlock, Message, ToolUseBlock } from '../../src/shared/schemas/content.js';
import type { ToolSpec } from '../../src/shared/schemas/model-call.js';
import type { createBenchActivities } from './bench-activities.js';

type Activities = ReturnType<typeof createBenchActivities>;

const { callModelWithTranscript, benchLookup } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '100 ms', maximumAttempts: 5 },
});

export interface MinimalChatInput {
  model: string;
  system: string;
  /** The opening user message, sent with the first turn's message like a Keel session's `messages`. */
  opening: string;
  tools: ToolSpec[];
}

/** One user message in, the model's final text out. */
export const minimalTurnUpdate = defineUpdate<string, [string]>('turn');

/** Answers each `turn` update, running the model's tool calls, until cancelled. */
export async function minimalChatWorkflow(input: MinimalChatInput): Promise<void> {
  const messages: Message[] = [];
  setHandler(minimalTurnUpdate, async (text) => {
    const content: ContentBlock[] = messages.length === 0 ? [{ type: 'text', text: input.opening }, { type: 'text', text }] : [{ type: 'text', text }];
    messages.push({ role: 'user', content });
    for (let call = 1; ; call += 1) {
      const response = await callModelWithTranscript({ sessionId: 'minimal', turn: call, model: input.model, maxOutputTokens: 1024, system: input.system, messages, tools: input.tools });
      messages.push({ role: 'assistant', content: response.content });
      const calls = response.content.filter((block): block is ToolUseBlock => block.type === 'tool_use');
      if (calls.length === 0) return response.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      const results = await Promise.all(calls.map(async (toolCall) => ({ type: 'tool_result' as const, tool_use_id: toolCall.id, content: await benchLookup(toolCall.input as { key: string }) })));
      messages.push({ role: 'user', content: results });
    }
  });
  await condition(() => false);
}
