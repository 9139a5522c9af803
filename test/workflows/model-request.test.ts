import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message } from '../../src/shared/schemas/content.js';
import { profileSchema, type ResolvedProfile } from '../../src/shared/schemas/profile.js';
import { buildModelRequest, buildSummaryRequest, thinkingForCall } from '../../src/workflows/model-request.js';

const profile = (config: object): ResolvedProfile => ({ name: 'p', ...profileSchema.parse({ model: 'claude-x', ...config }) });
const enabled = { type: 'enabled' as const, budgetTokens: 2048 };
const tools = [{ name: 'bash', description: 'run', inputSchema: { type: 'object' } }];

describe('model request', () => {
  test('thinkingForCall: on while the pending tool loop began with thinking; off when it began without', () => {
    const withThinking: Message[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }, { type: 'tool_use', id: 't', name: 'bash', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] },
    ];
    const withoutThinking: Message[] = [
      withThinking[0],
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'bash', input: {} }] },
      withThinking[2],
    ];
    assert.deepEqual(thinkingForCall(enabled, withThinking), { type: 'enabled', budgetTokens: 2048 });
    assert.equal(thinkingForCall(enabled, withoutThinking), undefined);
    assert.deepEqual(thinkingForCall(enabled, [{ role: 'user', content: 'hi' }]), { type: 'enabled', budgetTokens: 2048 });
    assert.deepEqual(thinkingForCall({ type: 'adaptive', display: 'omitted' }, withThinking), { type: 'adaptive', display: 'omitted' });
    assert.equal(thinkingForCall({ type: 'disabled' }, withThinking), undefined);
  });

  test('buildModelRequest: model, output budget, thinking, cache breakpoints and sampling all come from the profile', () => {
    const request = buildModelRequest(
      profile({
        maxOutputTokens: 4096,
        thinking: enabled,
        promptCaching: { enabled: true, breakpoints: ['system'], ttl: '1h' },
        sampling: { stopSequences: ['STOP'], effort: 'low' },
      }),
      { sessionId: 's', turn: 3, system: 'sys', messages: [{ role: 'user', content: 'hi' }], tools },
    );
    assert.deepEqual(request, {
      sessionId: 's',
      turn: 3,
      model: 'claude-x',
      maxOutputTokens: 4096,
      system: 'sys',
      messages: [{ role: 'user', content: 'hi' }],
      tools,
      thinking: { type: 'enabled', budgetTokens: 2048 },
      cache: { breakpoints: ['system'], ttl: '1h' },
      stopSequences: ['STOP'],
      effort: 'low',
    });
    const plain = buildModelRequest(profile({}), { sessionId: 's', turn: 1, messages: [{ role: 'user', content: 'hi' }], tools: [] });
    assert.deepEqual(Object.keys(plain).sort(), ['maxOutputTokens', 'messages', 'model', 'sessionId', 'tools', 'turn']);
  });

  test('buildSummaryRequest: no thinking, no stop sequences, no tool calls, the policy\'s output budget', () => {
    const request = buildSummaryRequest(
      profile({ maxOutputTokens: 4096, thinking: enabled, sampling: { stopSequences: ['STOP'] }, contextPolicy: { summaryMaxOutputTokens: 1500 }, promptCaching: { enabled: true } }),
      { sessionId: 's', turn: 3, system: 'sys', messages: [{ role: 'user', content: 'hi' }], tools },
    );
    assert.equal(request.thinking, undefined);
    assert.equal(request.stopSequences, undefined);
    assert.equal(request.maxOutputTokens, 1500);
    assert.equal(request.toolChoice, 'none');
    assert.deepEqual(request.cache, { breakpoints: ['tools', 'system', 'lastMessage'], ttl: '5m' });
  });
});
