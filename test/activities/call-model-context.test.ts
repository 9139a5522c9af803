/**
 * The model activity keeps each session's restored context between calls, so a long session's calls restore only
 * what is new. The model must see exactly what restoring the whole stored context gives: checked against a worker
 * that keeps nothing (a cold one, as after a move to another worker), over the real SDK and the scripted server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCallModel } from '../../src/activities/call-model.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { AnthropicModelAdapter } from '../../src/models/anthropic/anthropic-model-adapter.js';
import type { ModelCallRequest, ModelCallResponse } from '../../src/shared/schemas/model-call.js';
import type { ContextRef } from '../../src/shared/schemas/stored-block.js';
import { openContentStore } from '../../src/stores/open-content-store.js';
import { RestoredContexts } from '../../src/stores/restored-contexts.js';

describe('model call context', () => {
  let model: ScriptedModelServer;
  before(async () => {
    model = await startScriptedModelServer({ responder: () => ({ kind: 'message', content: [{ type: 'text', text: 'ok' }] }) });
  });
  after(async () => model?.close());

  test('a session\'s next call restores only its new messages, and the model sees what a cold worker would send', async () => {
    const store = await openContentStore({ kind: 'file', url: mkdtempSync(join(tmpdir(), 'keel-call-model-')) });
    const adapter = new AnthropicModelAdapter({ baseURL: model.url, apiKey: 'test-key' });
    const contexts = new RestoredContexts();
    const warm = createCallModel(adapter, store, contexts);
    const tools = [{ name: 'read_log', description: 'Reads the log.', inputSchema: { type: 'object', properties: {} } }];
    const call = (fn: typeof warm, request: Partial<ModelCallRequest> & Pick<ModelCallRequest, 'messages'>): Promise<ModelCallResponse> =>
      new MockActivityEnvironment({ heartbeatTimeoutMs: 5_000, workflowExecution: { workflowId: 'session-a', runId: 'run-a' } }).run(fn, { sessionId: 'session-a', turn: 1, model: 'claude-test', maxOutputTokens: 100, tools, toolResultMaxBytes: 2_000, ...request });

    model.push({ kind: 'message', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_log', input: {} }] });
    const first = await call(warm, { messages: [{ role: 'user', content: 'hello' }] });
    // A tool result far over the profile's limit: stored whole, cut for the model with a note on how to read it.
    const output = 'line of tool output\n'.repeat(2_000);
    const second = await call(warm, {
      contextBase: first.context,
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: output }] }],
    });
    const base = second.context as ContextRef;
    assert.equal(base.count, 4);
    const kept = contexts.get('session-a', base, 2_000);
    assert.ok(kept, 'the warm worker keeps the restored context of the head it wrote');
    assert.equal(kept.messages.length, 4);

    const requestsBefore = model.requests.length;
    const next = { contextBase: base, messages: [{ role: 'user' as const, content: 'and now?' }] };
    const warmReply = await call(warm, next);
    const coldReply = await call(createCallModel(adapter, store, new RestoredContexts()), next);
    const [warmRequest, coldRequest] = model.requests.slice(requestsBefore);
    assert.deepEqual(warmRequest!.body.messages, coldRequest!.body.messages);
    assert.equal(warmRequest!.body.messages.length, 5);
    assert.match(JSON.stringify(warmRequest!.body.messages[2]), /characters cut/);
    assert.deepEqual(warmReply.context, coldReply.context);

    // Another limit for what the model sees of tool results is not the kept restoration: it is restored again.
    assert.equal(contexts.get('session-a', warmReply.context as ContextRef, 500), undefined);
  });
});
