import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

describe('graceful shutdown', () => {
  const keel = useKeel({ model: {} });

  test('worker: SIGTERM during a model call lets the call finish and be recorded, then the process exits 0', async () => {
    const taskQueue = uniqueTaskQueue('shutdown');
    const worker = await keel.startWorkerProcess({
      taskQueue,
      env: { KEEL_SHUTDOWN_GRACE_SECONDS: '20', KEEL_WORKFLOW_BUNDLE: keel.environment.workflowBundleFile },
    });
    // A slow stream: several seconds from first to last event, heartbeating all the while.
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'an answer that outlived its worker' }], chunkDelayMs: 400 });
    const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
    const handle = await sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'take your time' }] });
    await waitFor('the model call to begin', () => keel.model.requests.length === 1);
    const inFlight = await handle.workflow.fetchHistory();
    const callScheduled = inFlight.events!.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel');
    assert.ok(
      !inFlight.events!.some((event) => event.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === callScheduled?.eventId?.toString()),
      'the call is still streaming when SIGTERM arrives',
    );

    const exit = await worker.kill('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, worker.output());
    // Structured logs: every line the process wrote is a JSON object.
    const lines = worker
      .output()
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => JSON.parse(line) as { msg: string });
    const messages = lines.map((line) => line.msg);
    assert.ok(messages.includes('shutting down: no new work, in-flight activities may finish'), worker.output());
    assert.ok(messages.indexOf('keel worker stopped') > messages.indexOf('shutting down: no new work, in-flight activities may finish'));

    // Before any other worker exists, the history already holds the call's completion: first attempt, no failure.
    const history = await handle.workflow.fetchHistory();
    const events = history.events ?? [];
    const scheduled = events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel');
    assert.equal(scheduled.length, 1);
    const started = events.filter((event) => event.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled[0]!.eventId!.toString());
    assert.equal(started.length, 1);
    assert.equal(started[0]!.activityTaskStartedEventAttributes!.attempt, 1);
    assert.equal(events.filter((event) => event.activityTaskCompletedEventAttributes).length >= 1, true);
    assert.equal(
      events.filter((event) => event.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === scheduled[0]!.eventId!.toString()).length,
      1,
    );
    assert.equal(events.filter((event) => event.activityTaskFailedEventAttributes || event.activityTaskTimedOutEventAttributes).length, 0);

    // A new worker takes the session on from the recorded result; the model is not called again.
    const successor = await keel.environment.startWorker({ taskQueue, modelUrl: keel.model.url });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'an answer that outlived its worker');
    assert.equal(keel.model.requests.length, 1);
    await successor.stop();
  });
});
