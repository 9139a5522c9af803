import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

describe('worker crash', () => {
  const keel = useKeel({ model: {} });

  test('kill -9 of the worker during a model call: a new worker finishes the session and no turn is duplicated', async () => {
    const taskQueue = uniqueTaskQueue('crash');
    const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
    keel.model.push(
      { kind: 'message', content: [{ type: 'text', text: 'first reply' }] },
      // Slow enough that the kill lands while tokens are still streaming.
      { kind: 'message', content: [{ type: 'text', text: 'a reply cut short by the crash that must never be recorded' }], chunkDelayMs: 500 },
      { kind: 'message', content: [{ type: 'text', text: 'second reply, from the new worker' }] },
    );
    const first = await keel.startWorkerProcess({ taskQueue });
    const handle = await sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    await waitFor('the first turn', async () => (await handle.state()).turn === 1);

    const reply = handle.sendMessage('and now?');
    await waitFor('the second model call to be streaming', () => keel.model.requests.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const exit = await first.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');

    const second = await keel.startWorkerProcess({ taskQueue });
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
      assert.equal(keel.model.requests.length, 3);
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
});
