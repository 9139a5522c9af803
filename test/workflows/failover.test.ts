import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { RecordedRequest } from '../../src/dev/scripted-model/index.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { useKeel } from '../harness/use-keel.js';
import { testProfiles } from '../harness/test-profiles.js';
import { waitForStatus } from '../harness/wait-for.js';

/** Three attempts, 50 ms apart: the retry budget runs out quickly. */
const fastRetries = { ...testProfiles.test.modelCall, retry: { initialIntervalMs: 50, backoffCoefficient: 1, maximumIntervalMs: 50, maximumAttempts: 3 } };
const profiles: Record<string, ProfileConfig> = {
  primary: { ...testProfiles.test, model: 'claude-primary', modelCall: fastRetries, fallbacks: ['backup'] },
  backup: {
    ...testProfiles.test,
    model: 'claude-backup',
    pricing: { inputPerMillionUsd: 2, outputPerMillionUsd: 20 },
  },
  alone: { ...testProfiles.test, model: 'claude-primary', modelCall: fastRetries },
};

describe('failover to fallback profiles', () => {
  const sessions: SessionHandle[] = [];

  const keel = useKeel({
    // The primary model is overloaded for good; the backup answers.
    model: {
      responder: (request: RecordedRequest) =>
        request.body.model === 'claude-primary'
          ? { kind: 'http-error', status: 529 }
          : { kind: 'message', content: [{ type: 'text', text: `backup answers turn ${request.body.messages.length}` }], usage: { input_tokens: 100, output_tokens: 10 } },
    },
    worker: { profiles },
  });

  test('failover: with the primary answering 529 past its retry budget, the session finishes on the fallback and says so', async () => {
    const firstRequest = keel.model.requests.length;
    const handle = await keel.worker.sessions.start({ profile: 'primary', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    sessions.push(handle);
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    const models = () => keel.model.requests.slice(firstRequest).map((request) => request.body.model);
    // Three attempts on the primary (its whole retry budget), then the same turn on the backup.
    assert.deepEqual(models(), ['claude-primary', 'claude-primary', 'claude-primary', 'claude-backup']);

    let state = await handle.state();
    assert.equal(state.profile, 'backup');
    assert.equal(state.model, 'claude-backup');
    assert.equal(state.primaryProfile, 'primary');
    assert.equal(state.failovers.length, 1);
    const [failover] = state.failovers;
    assert.deepEqual({ ...failover, message: undefined }, {
      turn: 1,
      fromProfile: 'primary',
      fromModel: 'claude-primary',
      toProfile: 'backup',
      toModel: 'claude-backup',
      reason: 'Model.Overloaded',
      message: undefined,
    });
    assert.match(failover.message, /HTTP 529 overloaded_error/);
    const transcript = await handle.fullTranscript();
    const marker = transcript.find((entry) => entry.kind === 'marker');
    assert.ok(marker && marker.kind === 'marker');
    assert.equal(marker.marker, 'failover');
    assert.match(marker.detail ?? '', /^primary \(claude-primary\) -> backup \(claude-backup\) after Model\.Overloaded outlasted its retries/);

    // The next turn goes straight to the fallback, priced at the fallback's rates.
    const second = await handle.sendMessage('again');
    assert.equal(second.text, 'backup answers turn 3');
    assert.deepEqual(models().slice(4), ['claude-backup']);
    state = await handle.state();
    assert.deepEqual(Object.keys(state.spend.byModel), ['claude-backup']);
    assert.equal(state.usage.costUsd, 2 * (100 * 2 + 10 * 20) / 1e6);
    await handle.cancel();

    // A task session says so in its result too: it completes on the fallback.
    const task = await keel.worker.sessions.start({ profile: 'primary', messages: [{ role: 'user', content: 'one shot' }] });
    sessions.push(task);
    const result = await task.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'backup answers turn 1');
    assert.equal((await task.state()).profile, 'backup');
  });

  test('failover: with no fallback left, the session fails with the model\'s failure type', async () => {
    const handle = await keel.worker.sessions.start({ profile: 'alone', messages: [{ role: 'user', content: 'hello' }] });
    sessions.push(handle);
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      const cause = error.cause as { cause?: { type?: string } };
      assert.equal(cause?.cause?.type, 'Model.Overloaded');
      return true;
    });
  });

  test('replay: the sessions of this file replay from their histories', async () => {
    await assertHistoriesReplay(keel.environment.bundle, sessions);
  });
});
