import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { startTestEnvironment, type TestEnvironment } from '../harness/temporal-env.js';
import { testProfiles } from '../harness/test-profiles.js';

describe('unlimited model retries', () => {
  let environment: TestEnvironment;
  let model: ScriptedModelServer;

  before(async () => {
    environment = await startTestEnvironment();
    model = await startScriptedModelServer();
  });
  after(async () => {
    await environment?.close();
    await model?.close();
  });

  test('model call: a profile with maximumAttempts 0 retries without a cap, past the attempts any default allows', async () => {
    const base = testProfiles.test!;
    const worker = await environment.startWorker({
      modelUrl: model.url,
      profiles: { unlimited: { ...base, modelCall: { ...base.modelCall, retry: { initialIntervalMs: 50, backoffCoefficient: 1, maximumIntervalMs: 50, maximumAttempts: 0 } } } },
    });
    const overloaded = Array.from({ length: 12 }, () => ({ kind: 'http-error' as const, status: 529 }));
    model.push(...overloaded, { kind: 'message', content: [{ type: 'text', text: 'after twelve 529s' }] });
    const handle = await worker.sessions.start({ profile: 'unlimited', messages: [{ role: 'user', content: 'question' }] });
    // Bounded: were the policy refused, the workflow task would fail and retry for ever.
    const result = await Promise.race([
      handle.result(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the session did not complete within 60 s')), 60_000).unref()),
    ]);
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'after twelve 529s');
    assert.equal(model.requests.length, 13);
  });
});
