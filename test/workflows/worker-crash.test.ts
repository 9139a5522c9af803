import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { SessionClient } from '../../src/client/session-client.js';
import { startTestEnvironment, uniqueTaskQueue, type TestEnvironment } from '../harness/temporal-env.js';
import { waitFor } from '../harness/wait-for.js';
import { startWorkerProcess } from '../harness/worker-process.js';

describe('worker crash', () => {
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

  test('kill -9 of the worker during a model call: a new worker finishes the session and no turn is duplicated', async () => {
    const taskQueue = uniqueTaskQueue('crash');
    const sessions = new SessionClient({ client: environment.client, taskQueue });
    const workerOptions = { address: environment.address, taskQueue, modelUrl: model.url, profilesFile: environment.profilesFile };
    model.push(
      { kind: 'message', content: [{ type: 'text', text: 'first reply' }] },
      // Slow enough that the kill lands while tokens are still streaming.
      { kind: 'message', content: [{ type: 'text', text: 'a reply cut short by the crash that must never be recorded' }], chunkDelayMs: 500 },
      { kind: 'message', content: [{ type: 'text', text: 'second reply, from the new worker' }] },
    );
    const first = await startWorkerProcess(workerOptions);
    const handle = await sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    await waitFor('the first turn', async () => (await handle.state()).turn === 1);

    const reply = handle.sendMessage('and now?');
    await waitFor('the second model call to be streaming', () => model.requests.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const exit = await first.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');

    const second = await startWorkerProcess(workerOptions);
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
      assert.equal(model.requests.length, 3);
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
