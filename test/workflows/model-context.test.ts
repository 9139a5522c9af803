import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../../src/shared/schemas/content.js';
import type { ModelCallResponse } from '../../src/shared/schemas/model-call.js';
import { ModelContext } from '../../src/workflows/model-context.js';

const head = (digit: string) => digit.repeat(64);
const user = (text: string): Message => ({ role: 'user', content: text });
const assistant = (text: string): Message => ({ role: 'assistant', content: [{ type: 'text', text }] });
const response = (count: number, digit: string, extra: Partial<ModelCallResponse> = {}): ModelCallResponse => ({
  id: 'msg',
  model: 'm',
  content: [{ type: 'text', text: 'reply' }],
  stopReason: 'end_turn',
  usage: { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
  context: { head: head(digit), count },
  ...extra,
});

test('model context: after a call, only the messages past the stored context are sent', () => {
  const context = new ModelContext();
  const first = [user('one')];
  assert.deepEqual(context.request(first, 0, undefined), { messages: first });
  const afterReply = [...first, assistant('two')];
  context.recorded(response(2, 'a'), afterReply, 0, undefined);
  const next = [...afterReply, user('three')];
  assert.deepEqual(context.request(next, 0, undefined), { contextBase: { head: head('a'), count: 2 }, messages: [user('three')] });
});

test('model context: a changed message, a new epoch or a shorter conversation sends everything again', () => {
  const context = new ModelContext();
  const conversation = [user('one'), assistant('two')];
  context.recorded(response(2, 'b'), conversation, 0, undefined);
  const changed = [user('one'), assistant('two, edited'), user('three')];
  assert.equal(context.request(changed, 0, undefined).contextBase, undefined);
  assert.equal(context.request([...conversation, user('three')], 1, undefined).contextBase, undefined);
  assert.equal(context.request([user('summary')], 0, undefined).contextBase, undefined);
  // A response that does not match the recorded conversation is not trusted.
  context.recorded(response(5, 'c'), conversation, 0, undefined);
  assert.equal(context.request([...conversation, user('three')], 0, undefined).contextBase, undefined);
});

test('model context: a large system prompt goes by reference once stored, and again inline when it changes', () => {
  const context = new ModelContext();
  const system = 'You are careful. '.repeat(200);
  const conversation = [user('one'), assistant('two')];
  assert.equal(context.request([user('one')], 0, system).system, system);
  context.recorded(response(2, 'd', { systemRef: { hash: head('e'), bytes: system.length } }), conversation, 0, system);
  const fields = context.request([...conversation, user('three')], 0, system);
  assert.deepEqual([fields.system, fields.systemRef], [undefined, { hash: head('e'), bytes: system.length }]);
  assert.equal(context.request([...conversation, user('three')], 0, 'another prompt').system, 'another prompt');
});

test('model context: a snapshot restores in the next run against the same transcript', () => {
  const context = new ModelContext();
  const conversation = [user('one'), assistant('two')];
  context.recorded(response(2, 'f'), conversation, 3, undefined);
  const snapshot = context.snapshot()!;
  const restored = new ModelContext();
  restored.restore(JSON.parse(JSON.stringify(snapshot)), conversation, 3, undefined);
  assert.deepEqual(restored.request([...conversation, user('three')], 3, undefined).contextBase, { head: head('f'), count: 2 });
});
