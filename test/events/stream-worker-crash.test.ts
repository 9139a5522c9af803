/**
 * A worker killed with SIGKILL in the middle of a model call's stream: the call is retried on another worker, and a
 * subscriber of `SessionHandle.events()` sees the retry marked, the new attempt's deltas, and ends with the right text.
 * The same for a local model call (`modelCall.local`), which the next worker starts again at attempt 1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { LocalEventSource } from '../../src/events/local/local-event-source.js';
import { TurnText } from '../../src/events/turn-text.js';
import type { SessionEventEnvelope } from '../../src/shared/schemas/session-event.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

describe('stream and worker crash', () => {
  const keel = useKeel({ model: {} });

  for (const profile of ['test', 'local']) test(`kill -9 mid-stream (profile ${profile}): the subscriber sees the retry marked and ends with the right text`, async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-events-crash-'));
    keel.closeAfter({ close: () => rmSync(directory, { recursive: true, force: true }) });
    const profilesFile = join(directory, 'profiles.json');
    writeFileSync(profilesFile, JSON.stringify({ profiles: { ...testProfiles, local: { ...testProfiles.test, modelCall: { ...testProfiles.test.modelCall, local: true } } } }));
    const taskQueue = uniqueTaskQueue('stream-crash');
    const start = () => keel.startWorkerProcess({ taskQueue, profilesFile, env: { KEEL_EVENTS_URL: directory, KEEL_STICKY_QUEUE_TIMEOUT_SECONDS: '1' } });
    const text = Array.from({ length: 30 }, (_, index) => `line ${index} of the answer. `).join('');
    // The same reply for the first attempt (cut by the crash) and the retry.
    // A local call runs inside the workflow task, and a new subscriber's first query waits for that task: it is
    // answered once the SDK heartbeats the task (~8 s into the call). So the local call's first attempt streams for
    // about 14 s, and the kill still lands mid-stream.
    const firstChunkDelayMs = profile === 'local' ? 250 : 60;
    keel.model.push({ kind: 'message', chunkDelayMs: firstChunkDelayMs, content: [{ type: 'text', text }] }, { kind: 'message', chunkDelayMs: 5, content: [{ type: 'text', text }] });
    const first = await start();

    const sessions = keel.closeAfter(new SessionClient({ client: keel.environment.client, taskQueue, events: new LocalEventSource({ directory }) }));
    const handle = await sessions.start({ profile, messages: [{ role: 'user', content: 'A long answer, please.' }] });
    const seen: SessionEventEnvelope[] = [];
    const following = (async () => {
      for await (const event of handle.events()) seen.push(event);
    })();
    await waitFor('the first attempt to stream', () => seen.filter((event) => event.event === 'text_delta').length >= 5, 30_000);
    await first.kill('SIGKILL');
    const before = seen.length;
    await start();
    await following;

    const retry = seen.slice(before).find((event) => event.event === 'retry');
    assert.ok(retry && retry.event === 'retry', `a retry event after the crash: ${seen.map((event) => event.event).join(' ')}`);
    assert.equal(retry.data.turn, 1);
    // An ordinary activity's retry is its next attempt; a local call counts its attempts again on the new worker.
    assert.ok(retry.data.attempt >= (profile === 'local' ? 1 : 2));
    const afterRetry = seen.slice(seen.indexOf(retry) + 1).filter((event) => event.event === 'text_delta');
    assert.ok(afterRetry.length > 1, 'the retried call streams live again');
    assert.ok(afterRetry.every((event) => event.event === 'text_delta' && event.data.attempt === retry.data.attempt));
    const accumulated = new TurnText();
    for (const event of seen) accumulated.add(event);
    assert.equal(accumulated.text(1), text);
    assert.deepEqual(seen.at(-1)?.data, { status: 'completed', finalText: text });
    const ids = seen.map((event) => event.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
  });
});
