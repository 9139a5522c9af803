import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { toolCallsReply, toolResultsIn } from '../harness/scripted-replies.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

/** The test profile, and the same with model calls and retry-safe tools as local activities (`modelCall.local`). */
const directory = mkdtempSync(join(tmpdir(), 'keel-crash-test-'));
// The data folder is inside: the local sandbox runs each session under its own uid, which must pass through.
chmodSync(directory, 0o711);
const profilesFile = join(directory, 'profiles.json');
writeFileSync(
  profilesFile,
  JSON.stringify({ profiles: { ...testProfiles, local: { ...testProfiles.test, modelCall: { ...testProfiles.test.modelCall, local: true } } } }),
);
/** Both workers of a test share the session directories, as workers of one host do. */
const workerEnv = { KEEL_DATA_DIR: join(directory, 'data') };
after(() => rmSync(directory, { recursive: true, force: true }));

describe('worker crash', () => {
  const keel = useKeel({ model: {} });

  for (const profile of ['test', 'local']) {
    test(`kill -9 of the worker during a model call (profile ${profile}): a new worker finishes the session and no turn is duplicated`, async () => {
      const taskQueue = uniqueTaskQueue('crash');
      const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
      const requestsBefore = keel.model.requests.length;
      keel.model.push(
        { kind: 'message', content: [{ type: 'text', text: 'first reply' }] },
        // Slow enough that the kill lands while tokens are still streaming.
        { kind: 'message', content: [{ type: 'text', text: 'a reply cut short by the crash that must never be recorded' }], chunkDelayMs: 500 },
        { kind: 'message', content: [{ type: 'text', text: 'second reply, from the new worker' }] },
      );
      const first = await keel.startWorkerProcess({ taskQueue, profilesFile, env: workerEnv });
      const handle = await sessions.start({ profile, mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
      await waitFor('the first turn', async () => (await handle.state()).turn === 1);

      const reply = handle.sendMessage('and now?');
      await waitFor('the second model call to be streaming', () => keel.model.requests.length === requestsBefore + 2);
      await new Promise((resolve) => setTimeout(resolve, 700));
      const exit = await first.kill('SIGKILL');
      assert.equal(exit.signal, 'SIGKILL');

      const second = await keel.startWorkerProcess({ taskQueue, profilesFile, env: workerEnv });
      try {
        const turn = await reply;
        assert.equal(turn.text, 'second reply, from the new worker');
        assert.equal(turn.turn, 2);
        const transcript = await handle.fullTranscript();
        assert.deepEqual(
          transcript.map((entry) => (entry.kind === 'message' ? entry.role : entry.marker)),
          ['user', 'assistant', 'user', 'assistant'],
        );
        assert.equal(JSON.stringify(transcript).includes('cut short'), false);
        assert.equal(keel.model.requests.length, requestsBefore + 3);
        const state = await handle.state();
        assert.equal(state.turn, 2);
        await handle.cancel();
        assert.equal((await handle.result()).status, 'cancelled');
      } finally {
        const stopped = await second.kill('SIGTERM');
        // SIGTERM is a graceful shutdown: the worker drains and exits on its own, cleanly.
        assert.deepEqual(stopped, { code: 0, signal: null });
      }
    });
  }

  test('kill -9 of the worker during a local model call: the session finishes, the tool not safe to retry ran once, and the history replays', async () => {
    const taskQueue = uniqueTaskQueue('crash-local');
    const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
    const requestsBefore = keel.model.requests.length;
    keel.model.push(
      // bash is not safe to retry: an ordinary activity, run at most once. read_file is: a local activity.
      toolCallsReply({ id: 'toolu_effect', name: 'bash', input: { command: 'echo side-effect >> effects.txt' } }),
      toolCallsReply({ id: 'toolu_read', name: 'read_file', input: { path: 'effects.txt' } }),
      { kind: 'message', content: [{ type: 'text', text: 'a reply cut short by the crash that must never be recorded' }], chunkDelayMs: 500 },
      { kind: 'message', content: [{ type: 'text', text: 'the side effect ran once' }] },
    );
    const first = await keel.startWorkerProcess({ taskQueue, profilesFile, env: workerEnv });
    const handle = await sessions.start({ profile: 'local', tools: ['bash', 'read_file'], messages: [{ role: 'user', content: 'run it once' }] });
    await waitFor('the third model call to be streaming', () => keel.model.requests.length === requestsBefore + 3);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const exit = await first.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');

    // The lost workflow task goes to the new worker once its timeout passes; it makes the model call again.
    const second = await keel.startWorkerProcess({ taskQueue, profilesFile, env: workerEnv });
    try {
      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(result.finalText, 'the side effect ran once');
      const requests = keel.model.requests.slice(requestsBefore);
      assert.equal(requests.length, 4);
      // The file the not-retry-safe command appended to holds one line, as the model was told (in both calls after it).
      for (const request of requests.slice(2)) assert.equal(toolResultsIn(request).get('toolu_read')?.content.match(/side-effect/g)?.length, 1);
      const transcript = await handle.fullTranscript();
      assert.equal(JSON.stringify(transcript).includes('cut short'), false);
      const events = (await handle.workflow.fetchHistory()).events ?? [];
      const bashRuns = events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool');
      assert.equal(bashRuns.length, 1, 'one runTool activity: the bash call');
      assert.equal(events.some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel'), false);
      await assertHistoriesReplay(keel.environment.bundle, [handle]);
    } finally {
      const stopped = await second.kill('SIGTERM');
      assert.deepEqual(stopped, { code: 0, signal: null });
    }
  });
});
