import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateMessagesRequest } from '../../src/dev/scripted-model/index.js';
import { convertToAnthropicRequest } from '../../src/models/anthropic/convert-to-anthropic-request.js';
import type { ModelCallRequest } from '../../src/shared/schemas/model-call.js';

const messages: ModelCallRequest['messages'] = [
  { role: 'user', content: 'go' },
  {
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: 'plan', signature: 'sig' },
      { type: 'tool_use', id: 't1', name: 'bash', input: { command: 'ls' } },
    ],
  },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt' }] },
];
const tools = [
  { name: 'bash', description: 'run', inputSchema: { type: 'object' } },
  { name: 'read_file', description: 'read', inputSchema: { type: 'object' } },
];

describe('convertToAnthropicRequest', () => {
  test('cache breakpoints: on the last tool, the system prompt and the last block, without touching the input', () => {
    const request: ModelCallRequest = {
      sessionId: 's',
      turn: 2,
      model: 'claude-x',
      maxOutputTokens: 4096,
      system: 'be brief',
      messages,
      tools,
      cache: { breakpoints: ['tools', 'system', 'lastMessage'], ttl: '1h' },
    };
    const before = JSON.stringify(request);
    const body = convertToAnthropicRequest(request);
    assert.equal(JSON.stringify(request), before);
    assert.deepEqual(body.system, [{ type: 'text', text: 'be brief', cache_control: { type: 'ephemeral', ttl: '1h' } }]);
    assert.equal(body.tools![0].cache_control, undefined);
    assert.deepEqual((body.tools![1] as { cache_control?: unknown }).cache_control, { type: 'ephemeral', ttl: '1h' });
    assert.deepEqual(body.messages.at(-1), {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt', cache_control: { type: 'ephemeral', ttl: '1h' } }],
    });
    const validation = validateMessagesRequest(body);
    assert.equal(validation.ok ? 'ok' : validation.message, 'ok');
  });

  test('cache breakpoints: a string message becomes a text block, and thinking blocks never carry one', () => {
    const body = convertToAnthropicRequest({
      sessionId: 's',
      turn: 1,
      model: 'claude-x',
      maxOutputTokens: 100,
      messages: [{ role: 'user', content: 'hello' }],
      tools: [],
      cache: { breakpoints: ['lastMessage', 'system'], ttl: '5m' },
    });
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'hello', cache_control: { type: 'ephemeral' } }] }]);
    assert.equal(body.system, undefined);
    const prefill = convertToAnthropicRequest({
      sessionId: 's',
      turn: 1,
      model: 'claude-x',
      maxOutputTokens: 100,
      messages: [{ role: 'assistant', content: [{ type: 'redacted_thinking', data: 'x' }, { type: 'thinking', thinking: 't', signature: 's' }] }],
      tools: [],
      cache: { breakpoints: ['lastMessage'], ttl: '5m' },
    });
    assert.ok(!JSON.stringify(prefill.messages).includes('cache_control'));
  });

  test('thinking, sampling and tool choice map to the API\'s fields', () => {
    const body = convertToAnthropicRequest({
      sessionId: 's',
      turn: 2,
      model: 'claude-x',
      maxOutputTokens: 4096,
      messages,
      tools,
      thinking: { type: 'enabled', budgetTokens: 2048, display: 'omitted' },
      stopSequences: ['</done>'],
      effort: 'high',
      toolChoice: 'none',
    });
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048, display: 'omitted' });
    assert.deepEqual(body.stop_sequences, ['</done>']);
    assert.deepEqual(body.output_config, { effort: 'high' });
    assert.deepEqual(body.tool_choice, { type: 'none' });
    const validation = validateMessagesRequest(body);
    assert.equal(validation.ok ? 'ok' : validation.message, 'ok');
    const adaptive = convertToAnthropicRequest({ sessionId: 's', turn: 1, model: 'm', maxOutputTokens: 10, messages, tools, thinking: { type: 'adaptive' } });
    assert.deepEqual(adaptive.thinking, { type: 'adaptive' });
  });
});

describe('validateMessagesRequest: prompt caching', () => {
  const base = { model: 'claude-x', max_tokens: 100 };
  test('refuses more than four breakpoints, as the API does', () => {
    const marked = { type: 'text', text: 'x', cache_control: { type: 'ephemeral' } };
    const validation = validateMessagesRequest({ ...base, system: [marked, marked], messages: [{ role: 'user', content: [marked, marked, marked] }] });
    assert.equal(validation.ok ? 'ok' : validation.message, 'A maximum of 4 blocks with cache_control may be provided. Found 5.');
  });

  test('refuses a cache_control on a thinking block, and an unknown cache type', () => {
    const onThinking = validateMessagesRequest({
      ...base,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'a' }] },
        { role: 'user', content: 'q2' },
      ],
    });
    assert.equal(onThinking.ok ? 'ok' : onThinking.message, 'messages.1.content.0.thinking.cache_control: Extra inputs are not permitted');
    const badType = validateMessagesRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'q', cache_control: { type: 'forever' } }] }] });
    assert.match(badType.ok ? 'ok' : badType.message, /^messages\.0\.content\.0\.cache_control\.type: Input should be 'ephemeral'/);
  });
});
