import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { useKeel } from '../harness/use-keel.js';
import type { RunningWorker } from '../harness/temporal-env.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { waitFor, waitForStatus } from '../harness/wait-for.js';

const answer: ScriptedReply = { kind: 'message', content: [{ type: 'text', text: 'Answered.' }], usage: { input_tokens: 10, output_tokens: 5 } };

/**
 * A chat session that takes a `resetContext` signal and then a `sendMessage` update must replay once it has ended:
 * a `state` or `transcript` query on an ended session is answered by a worker that replays the whole history. The
 * signal and the update are sent so that they reach the workflow in each way they can: in workflow tasks of their
 * own, in one task while the session waits for input, in the session's first task (before its handlers are set,
 * after the patch marker and its search attribute upsert), and while a turn runs. The sessions end each way a chat
 * session ends: cancelled, idle timeout, maxTurns.
 */
describe('resetContext then sendMessage', () => {
  const keel = useKeel({ model: { responder: () => answer } });
  const sessions: SessionHandle[] = [];

  async function startWorker(taskQueue: string): Promise<RunningWorker> {
    return keel.environment.startWorker({ modelUrl: keel.model.url, taskQueue });
  }

  /** Stops the session's worker and reads the ended session from a new one, which has to replay its history. */
  async function readOnNewWorker(taskQueue: string, first: RunningWorker, handle: SessionHandle) {
    await first.stop();
    const fresh = await startWorker(taskQueue);
    try {
      const state = await handle.state();
      const entries = await handle.fullTranscript();
      return { state, entries };
    } finally {
      await fresh.stop();
    }
  }

  const markers = (entries: Awaited<ReturnType<SessionHandle['fullTranscript']>>) =>
    entries.flatMap((entry) => (entry.kind === 'marker' ? [entry.marker] : []));

  test('resetContext then sendMessage in workflow tasks of their own, cancelled: a new worker replays it and answers state and transcript', async () => {
    const taskQueue = uniqueTaskQueue('reset-separate');
    const worker = await startWorker(taskQueue);
    const handle = await worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'Remember 7.' }] });
    sessions.push(handle);
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    await handle.resetContext({ strategy: 'clear', reason: 'start over' });
    const reply = await handle.sendMessage('What number?', { id: 'after-reset' });
    assert.equal(reply.text, 'Answered.');
    await handle.sendMessage('And now?');
    await handle.cancel();
    assert.equal((await handle.result()).status, 'cancelled');
    const { state, entries } = await readOnNewWorker(taskQueue, worker, handle);
    assert.equal(state.status, 'cancelled');
    assert.equal(state.contextEpoch, 1);
    assert.deepEqual(markers(entries), ['context-reset']);
  });

  test('resetContext and sendMessage in one workflow task while waiting for input, idle timeout: a new worker replays it', async () => {
    const taskQueue = uniqueTaskQueue('reset-together');
    const worker = await startWorker(taskQueue);
    const handle = await worker.sessions.start({ profile: 'test', mode: 'chat', limits: { idleTimeoutSeconds: 5 }, messages: [{ role: 'user', content: 'Remember 7.' }] });
    sessions.push(handle);
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    // Both messages arrive while no worker polls, so that one workflow task takes them.
    await worker.stop();
    await handle.resetContext();
    const sent = handle.sendMessage('What number?');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await startWorker(taskQueue);
    assert.equal((await sent).turn, 2);
    assert.equal((await handle.result()).status, 'limit_reached');
    const events = (await handle.workflow.fetchHistory()).events ?? [];
    const signalled = events.findIndex((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'resetContext');
    const taskAfterSignal = events.findIndex((event, index) => index > signalled && event.workflowTaskScheduledEventAttributes);
    const accepted = events.find((event) => event.workflowExecutionUpdateAcceptedEventAttributes)?.workflowExecutionUpdateAcceptedEventAttributes;
    assert.equal(String(accepted?.acceptedRequestSequencingEventId), String(events[taskAfterSignal]?.eventId), 'one workflow task took the signal and the update');
    const { state, entries } = await readOnNewWorker(taskQueue, second, handle);
    assert.equal(state.limitReached, 'idleTimeoutSeconds');
    assert.deepEqual(markers(entries), ['context-reset']);
  });

  test('resetContext and sendMessage in the session\'s first workflow task, cancelled: a new worker replays it', async () => {
    const taskQueue = uniqueTaskQueue('reset-first-task');
    // No worker polls while the session starts and takes both messages: they reach its first workflow task.
    const idle = await startWorker(taskQueue);
    await idle.stop();
    const handle = await idle.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'Remember 7.' }] });
    sessions.push(handle);
    await handle.resetContext({ strategy: 'clear' });
    const sent = handle.sendMessage('What number?', { id: 'first-task' });
    // Let the update reach the server before a worker polls.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const worker = await startWorker(taskQueue);
    assert.equal((await sent).messageId, 'first-task');
    await handle.cancel();
    await handle.result();
    const events = (await handle.workflow.fetchHistory()).events ?? [];
    const accepted = events.findIndex((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
    const firstCompleted = events.findIndex((event) => event.workflowTaskCompletedEventAttributes);
    const secondScheduled = events.findIndex((event, index) => index > firstCompleted && event.workflowTaskScheduledEventAttributes);
    assert.ok(accepted > firstCompleted && (secondScheduled === -1 || accepted < secondScheduled), 'the update was accepted in the first workflow task');
    const { state, entries } = await readOnNewWorker(taskQueue, worker, handle);
    assert.equal(state.status, 'cancelled');
    assert.deepEqual(markers(entries), ['context-reset']);
  });

  test('resetContext and sendMessage while a turn runs, then maxTurns: a new worker replays it', async () => {
    const taskQueue = uniqueTaskQueue('reset-mid-turn');
    const worker = await startWorker(taskQueue);
    keel.model.push({ ...answer, chunkDelayMs: 300 });
    const requestsBefore = keel.model.requests.length;
    const handle = await worker.sessions.start({ profile: 'test', mode: 'chat', limits: { maxTurns: 2 }, messages: [{ role: 'user', content: 'Remember 7.' }] });
    sessions.push(handle);
    // Once the first model call is under way: a message that came before it would join the first turn instead.
    await waitFor('the first model call', () => keel.model.requests.length > requestsBefore);
    await handle.resetContext();
    const second = await handle.sendMessage('What number?');
    assert.equal(second.text, 'Answered.');
    const refused = await handle.sendMessage('One more?');
    assert.equal(refused.endedBy, 'limit_reached');
    assert.equal((await handle.result()).status, 'limit_reached');
    const { state, entries } = await readOnNewWorker(taskQueue, worker, handle);
    assert.equal(state.limitReached, 'maxTurns');
    assert.ok(markers(entries).includes('context-reset'));
  });

  test('resetContext then sendMessage, the session read by a new worker while the update waits for its turn: the replay takes the accepted update and the session goes on', async () => {
    const taskQueue = uniqueTaskQueue('reset-open-replay');
    const first = await startWorker(taskQueue);
    const handle = await first.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'Remember 7.' }] });
    sessions.push(handle);
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    await handle.resetContext();
    keel.model.push({ ...answer, chunkDelayMs: 700 });
    const sent = handle.sendMessage('What number?', { id: 'waiting' });
    await waitForStatus(handle, 'running', 'the update to start a turn');
    // The first worker's cache goes with it: the new one replays the open session, the update accepted and unanswered.
    await first.stop();
    const second = await startWorker(taskQueue);
    assert.equal((await handle.state()).contextEpoch, 1);
    assert.equal((await sent).messageId, 'waiting');
    await handle.resetContext({ strategy: 'clear' });
    assert.equal((await handle.sendMessage('And now?')).turn, 3);
    await handle.cancel();
    await handle.result();
    const { state, entries } = await readOnNewWorker(taskQueue, second, handle);
    assert.equal(state.status, 'cancelled');
    assert.deepEqual(markers(entries), ['context-reset', 'context-reset']);
  });

  test('replay: every session of this file replays from its history with the current workflow code', async () => {
    assert.equal(sessions.length, 5);
    await assertHistoriesReplay(keel.environment.bundle, sessions);
  });
});
