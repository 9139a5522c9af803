import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateMessagesRequest } from '../../src/dev/scripted-model/index.js';
import type { Message } from '../../src/shared/schemas/content.js';
import { contextPolicySchema, contextKeepSchema } from '../../src/shared/schemas/profile.js';
import {
  contextTokensOf,
  keptTailStart,
  rebuildContext,
  resetStrategyFor,
  resetWouldShrink,
  summaryConversation,
  summaryInstruction,
  triggerCrossed,
} from '../../src/workflows/context-policy.js';

const tools = [{ name: 'bash', input_schema: { type: 'object' } }];
const thinking = (text: string) => ({ type: 'thinking' as const, thinking: text, signature: `sig-${text}` });
const call = (id: string) => ({ type: 'tool_use' as const, id, name: 'bash', input: { command: 'ls' } });
const result = (id: string) => ({ type: 'tool_result' as const, tool_use_id: id, content: 'ok' });

/** A task, one plain exchange, then a tool loop under thinking, ending with the results awaiting the model. */
const conversation: Message[] = [
  { role: 'user', content: 'the task' },
  { role: 'assistant', content: [{ type: 'text', text: 'first answer' }] },
  { role: 'user', content: 'now use tools' },
  { role: 'assistant', content: [thinking('a'), call('t1')] },
  { role: 'user', content: [result('t1')] },
  { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'opaque' }, call('t2')] },
  { role: 'user', content: [result('t2')] },
];

function assertApiAccepts(messages: Message[]): void {
  const validation = validateMessagesRequest({
    model: 'claude-test',
    max_tokens: 4096,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    tools,
    messages,
  });
  assert.equal(validation.ok ? 'ok' : validation.message, 'ok');
}

const keep = (overrides: object = {}) => contextKeepSchema.parse(overrides);

describe('context policy', () => {
  test('triggerCrossed: measured from the last call\'s real input tokens against a fraction of the window', () => {
    const reset = contextPolicySchema.parse({ strategy: 'reset', triggerFraction: 0.5 });
    assert.equal(triggerCrossed(reset, 1000, 499), false);
    assert.equal(triggerCrossed(reset, 1000, 500), true);
    assert.equal(triggerCrossed(reset, 1000, undefined), false);
    assert.equal(triggerCrossed(contextPolicySchema.parse({ strategy: 'none', triggerFraction: 0.5 }), 1000, 900), false);
    assert.equal(contextTokensOf({ inputTokens: 10, outputTokens: 99, cacheReadInputTokens: 300, cacheCreationInputTokens: 200 }), 510);
  });

  test('resetStrategyFor: the signal\'s strategy wins; clear means reset; else the policy\'s', () => {
    const compact = contextPolicySchema.parse({ strategy: 'compact' });
    const none = contextPolicySchema.parse({});
    assert.equal(resetStrategyFor(compact), 'compact');
    assert.equal(resetStrategyFor(compact, 'clear'), 'reset');
    assert.equal(resetStrategyFor(none), 'reset');
    assert.equal(resetStrategyFor(none, 'compact'), 'compact');
  });

  test('keptTailStart: keeps the last N assistant turns, and never splits a tool call from its result', () => {
    assert.equal(keptTailStart(conversation, 1), 5);
    assert.equal(keptTailStart(conversation, 2), 3);
    assert.equal(keptTailStart(conversation, 10), 1);
    // Nothing to keep but the pending message: its tool results pull in their call.
    assert.equal(keptTailStart(conversation, 0), 5);
    assert.equal(keptTailStart(conversation.slice(0, 3), 0), 2);
    assert.equal(resetWouldShrink(conversation.slice(0, 3), keep({ lastTurns: 1 })), false);
    assert.equal(resetWouldShrink(conversation, keep({ lastTurns: 1 })), true);
  });

  test('rebuildContext: task and note open the new context, the last turn follows verbatim, and the API accepts it', () => {
    const rebuilt = rebuildContext({ messages: conversation, task: 'the task', keep: keep({ lastTurns: 1 }), opening: 'NOTE' });
    assert.equal(rebuilt.droppedMessages, 5);
    assert.deepEqual(rebuilt.messages, [
      { role: 'user', content: [{ type: 'text', text: 'the task' }, { type: 'text', text: 'NOTE' }] },
      conversation[5],
      conversation[6],
    ]);
    assertApiAccepts(rebuilt.messages);
  });

  test('rebuildContext: every keep setting yields a conversation the API accepts', () => {
    for (const lastTurns of [0, 1, 2, 3, 5]) {
      for (const task of [true, false]) {
        for (const summary of [true, false]) {
          const rebuilt = rebuildContext({ messages: conversation, task: 'the task', keep: keep({ lastTurns, task, summary }), opening: 'NOTE' });
          assertApiAccepts(rebuilt.messages);
          assert.deepEqual(rebuilt.messages.at(-1), conversation.at(-1));
          const opening = JSON.stringify(rebuilt.messages[0]);
          assert.equal(opening.includes('the task'), task, `task=${task} lastTurns=${lastTurns}`);
        }
      }
    }
  });

  test('rebuildContext: a plain pending message joins the opening when no turn is kept', () => {
    const chat: Message[] = [
      { role: 'user', content: 'the task' },
      { role: 'assistant', content: 'answer' },
      { role: 'user', content: 'next question' },
    ];
    const rebuilt = rebuildContext({ messages: chat, task: 'the task', keep: keep({ lastTurns: 0, task: false }), opening: 'NOTE' });
    assert.deepEqual(rebuilt.messages, [{ role: 'user', content: [{ type: 'text', text: 'NOTE' }, { type: 'text', text: 'next question' }] }]);
    const bare = rebuildContext({ messages: chat, task: 'the task', keep: keep({ lastTurns: 0, task: false, summary: false }), opening: 'NOTE' });
    assert.deepEqual(bare.messages, [{ role: 'user', content: 'next question' }]);
  });

  test('summaryConversation: the instruction follows the pending tool results, and the context is not modified', () => {
    const before = JSON.stringify(conversation);
    const messages = summaryConversation(conversation, summaryInstruction(keep({ lastTurns: 1 })));
    assert.equal(JSON.stringify(conversation), before);
    const last = messages.at(-1)!;
    assert.ok(Array.isArray(last.content));
    assert.equal(last.content[0].type, 'tool_result');
    assert.match((last.content[1] as { text: string }).text, /summary.*last 1 turn/s);
    assertApiAccepts(messages);
    assert.equal(summaryInstruction(keep(), 'Summarise tersely.'), 'Summarise tersely.');
  });
});
