import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import type { SessionHandle } from '../../src/client/session-client.js';
import { useKeel } from '../harness/use-keel.js';

const answer: ScriptedReply = { kind: 'message', content: [{ type: 'text', text: 'the answer' }], usage: { input_tokens: 7, output_tokens: 3 } };

/** Model call attempts recorded in the session's history (ActivityTaskStarted counts only the final attempt). */
/** The attempt on which each (ordinary) activity of the session started: the profile is read by a local activity. */
async function activityAttempts(handle: SessionHandle): Promise<number[]> {
  const history = await handle.workflow.fetchHistory();
  return history
    .events!.filter((event) => event.activityTaskStartedEventAttributes)
    .map((event) => event.activityTaskStartedEventAttributes!.attempt ?? 1);
}

describe('model faults', () => {
  const keel = useKeel({ model: {}, worker: {} });

  async function runWithFaults(faults: ScriptedReply[]) {
    const before = keel.model.requests.length;
    keel.model.push(...faults, answer);
    const handle = await keel.worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'question' }] });
    const result = await handle.result();
    const transcript = await handle.fullTranscript();
    return { handle, result, transcript, calls: keel.model.requests.slice(before) };
  }

  for (const [name, fault] of [
    ['529 overloaded', { kind: 'http-error', status: 529 }],
    ['500 server error', { kind: 'http-error', status: 500 }],
    ['an error event inside the stream', { kind: 'stream-error', afterEvents: 3, errorType: 'overloaded_error' }],
    ['a connection dropped mid-stream', { kind: 'drop-connection', afterEvents: 4 }],
    ['a connection dropped before any byte', { kind: 'drop-connection', afterEvents: 0 }],
  ] as Array<[string, ScriptedReply]>) {
    test(`model call: ${name} is retried and the session completes with the turn recorded once`, async () => {
      const { handle, result, transcript, calls } = await runWithFaults([fault, fault]);
      assert.equal(result.status, 'completed');
      assert.equal(result.finalText, 'the answer');
      assert.equal(calls.length, 3, 'two faults, then the answer');
      assert.deepEqual(calls.map((call) => call.reply), [fault.kind, fault.kind, 'message']);
      assert.equal(transcript.filter((entry) => entry.kind === 'message' && entry.role === 'assistant').length, 1);
      // The model call is the session's only ordinary activity, and succeeded on its third attempt.
      assert.deepEqual(await activityAttempts(handle), [3]);
      assert.equal(result.turns, 1);
      assert.deepEqual(result.usage, { inputTokens: 7, outputTokens: 3, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: (7 + 30) / 1e6 });
    });
  }

  test('model call: 429 with retry-after waits the time the server asked for before retrying', async () => {
    const { result, calls } = await runWithFaults([{ kind: 'http-error', status: 429, retryAfterSeconds: 2 }]);
    assert.equal(result.status, 'completed');
    assert.equal(calls.length, 2);
    const waitedMs = calls[1].receivedAt - calls[0].receivedAt;
    // The test profile's own retry interval is 100 ms: only retry-after explains a wait of about 2 s.
    assert.ok(waitedMs >= 1900, `retried after ${waitedMs} ms, expected at least the 2 s retry-after`);
  });

  for (const [status, failureType] of [
    [400, 'Model.BadRequest'],
    [401, 'Model.Auth'],
    [403, 'Model.PermissionDenied'],
    [404, 'Model.NotFound'],
    [413, 'Model.RequestTooLarge'],
  ] as Array<[number, string]>) {
    test(`model call: ${status} fails the session at once with ${failureType} and no retries`, async () => {
      const before = keel.model.requests.length;
      keel.model.push({ kind: 'http-error', status, message: `scripted ${status}` });
      const handle = await keel.worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'question' }] });
      const error = await handle.result().then(
        () => assert.fail('the session should have failed'),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof WorkflowFailedError);
      const activityFailure = error.cause;
      assert.ok(activityFailure instanceof ActivityFailure);
      const cause = activityFailure.cause;
      assert.ok(cause instanceof ApplicationFailure);
      assert.equal(cause.type, failureType);
      assert.equal(cause.nonRetryable, true);
      assert.match(cause.message, new RegExp(`HTTP ${status}.*scripted ${status}`));
      assert.equal(keel.model.requests.length - before, 1, 'exactly one call: no retries');
    });
  }

  test('model call: a worker without an API key fails with Model.Auth naming the variable, without retrying', async () => {
    const previous = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    const keyless = await keel.environment.startWorker({ modelUrl: keel.model.url, apiKey: '' });
    try {
      const handle = await keyless.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'question' }] });
      await assert.rejects(handle.result(), (error: unknown) => {
        const cause = (error as WorkflowFailedError).cause?.cause as ApplicationFailure;
        assert.equal(cause.type, 'Model.Auth');
        assert.match(cause.message, /ANTHROPIC_API_KEY/);
        return true;
      });
    } finally {
      if (previous !== undefined) process.env.ANTHROPIC_API_KEY = previous;
      await keyless.stop();
    }
  });
});
