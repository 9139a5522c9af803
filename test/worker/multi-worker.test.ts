import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionClient, type SessionHandle } from '../../src/client/session-client.js';
import type { RecordedRequest } from '../../src/dev/scripted-model/index.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

const sessionCount = 30;
const slotsPerWorker = 10;

/** The session marker a request carries in its first user message. */
function sessionOf(request: RecordedRequest): number | undefined {
  const first = request.body?.messages?.[0]?.content;
  const match = /^task for session (\d+)$/.exec(typeof first === 'string' ? first : '');
  return match ? Number(match[1]) : undefined;
}

describe('several workers on one queue', () => {
  const keel = useKeel({
    // Each reply is derived from its request, since calls from all sessions interleave on the shared queue; the
    // stream is slow, so that kills land mid-call.
    model: {
      responder: (request) => {
        const session = sessionOf(request);
        return session === undefined ? undefined : { kind: 'message', content: [{ type: 'text', text: `reply to session ${session}` }], chunkDelayMs: 250 };
      },
    },
  });

  test('workers: three processes share 30 sessions; after kill -9 of two mid-call, all complete with no turn lost or duplicated', async (t) => {
    const taskQueue = uniqueTaskQueue('shared');
    const workers = await Promise.all(
      [0, 1, 2].map(() =>
        keel.startWorkerProcess({
          taskQueue,
          // At most 10 calls each, so 30 concurrent calls need all three workers: every kill interrupts calls.
          env: { KEEL_WORKFLOW_BUNDLE: keel.environment.workflowBundleFile, KEEL_MAX_CONCURRENT_ACTIVITIES: String(slotsPerWorker) },
        }),
      ),
    );
    const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
    const handles: SessionHandle[] = await Promise.all(
      Array.from({ length: sessionCount }, (_, index) => sessions.start({ profile: 'test', messages: [{ role: 'user', content: `task for session ${index}` }] })),
    );

    await waitFor('all 30 model calls to be in flight', () => keel.model.requests.length >= sessionCount, 60_000);
    const inFlight = keel.model.requests.length;
    await Promise.all([workers[0]!.kill('SIGKILL'), workers[1]!.kill('SIGKILL')]);

    const results = await Promise.all(handles.map((handle) => handle.result()));
    for (const [index, result] of results.entries()) {
      assert.equal(result.status, 'completed', `session ${index}`);
      assert.equal(result.finalText, `reply to session ${index}`);
      assert.equal(result.turns, 1);
    }
    // The kills cost calls: those in flight on the dead workers were made again elsewhere.
    assert.ok(keel.model.requests.length > inFlight, `${keel.model.requests.length} requests, ${inFlight} before the kills`);
    t.diagnostic(`${keel.model.requests.length} model requests for ${sessionCount} sessions (${inFlight} in flight at the kills)`);

    for (const [index, handle] of handles.entries()) {
      // The transcript holds each turn once.
      const entries = await handle.fullTranscript();
      assert.deepEqual(
        entries.map((entry) => (entry.kind === 'message' ? `${entry.role}:${typeof entry.content === 'string' ? entry.content : entry.content.map((block) => ('text' in block ? block.text : block.type)).join('')}` : entry.kind)),
        [`user:task for session ${index}`, `assistant:reply to session ${index}`],
        `session ${index}`,
      );
      // History records one completed call, on the attempt that the model server saw last: every lost attempt made
      // exactly one request, and none was answered twice.
      const events = (await handle.workflow.fetchHistory()).events ?? [];
      const calls = events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel');
      assert.equal(calls.length, 1, `session ${index}: one model call scheduled`);
      const callId = calls[0]!.eventId!.toString();
      const completed = events.filter((event) => event.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === callId);
      assert.equal(completed.length, 1, `session ${index}: one model call completed`);
      const started = events.find((event) => event.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === callId);
      const requests = keel.model.requests.filter((request) => sessionOf(request) === index).length;
      assert.equal(requests, started!.activityTaskStartedEventAttributes!.attempt, `session ${index}: one request per attempt`);
    }
    assert.equal((await workers[2]!.kill('SIGTERM')).code, 0);
  });
});
