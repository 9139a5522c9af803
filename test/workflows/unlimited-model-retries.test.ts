import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';

const base = testProfiles.test!;

describe('unlimited model retries', () => {
  const keel = useKeel({
    model: {},
    worker: { profiles: { unlimited: { ...base, modelCall: { ...base.modelCall, retry: { initialIntervalMs: 50, backoffCoefficient: 1, maximumIntervalMs: 50, maximumAttempts: 0 } } } } },
  });

  test('model call: a profile with maximumAttempts 0 retries without a cap, past the attempts any default allows', async () => {
    const { model, worker } = keel;
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
