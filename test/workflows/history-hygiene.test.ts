import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { waitForStatus } from '../harness/wait-for.js';

const secret = `sk-ant-marker-${Math.random().toString(36).slice(2)}-do-not-leak`;

describe('history hygiene', () => {
  const keel = useKeel({ model: { apiKey: secret } });

  test('secrets: the API key reaches the model server but never the history or the worker logs, even through failures', async () => {
    const taskQueue = uniqueTaskQueue('secrets');
    const worker = await keel.startWorkerProcess({
      taskQueue,
      apiKey: secret,
      env: { KEEL_LOG_LEVEL: 'debug' },
    });
    const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
    try {
      keel.model.push(
        { kind: 'http-error', status: 500 },
        { kind: 'message', content: [{ type: 'text', text: 'hello' }] },
        { kind: 'http-error', status: 400, message: 'a rejected request' },
      );
      const chat = await sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hi' }] });
      await waitForStatus(chat, 'waiting_for_input', 'the first turn');
      const reply = await chat.sendMessage('one more').catch((error: unknown) => error);
      assert.ok(reply instanceof Error, 'the 400 fails the session');
      await assert.rejects(chat.result());
      assert.equal(keel.model.requests.at(-1)!.apiKey, secret, 'the key did reach the model server');

      const history = JSON.stringify(await chat.workflow.fetchHistory());
      assert.ok(history.length > 1000);
      assert.equal(history.includes(secret), false, 'the key is in the history');
      assert.equal(worker.output().includes(secret), false, 'the key is in the worker logs');
      assert.match(worker.output(), /keel worker started/);
    } finally {
      await worker.kill('SIGTERM');
    }
    assert.equal(worker.output().includes(secret), false);
  });

  test('replay: histories of finished sessions replay with the current workflow code without non-determinism', async () => {
    const local = await keel.environment.startWorker({ modelUrl: keel.model.url, apiKey: secret });
    keel.model.push(
      { kind: 'message', content: [{ type: 'text', text: 'first' }] },
      { kind: 'http-error', status: 529 },
      { kind: 'message', content: [{ type: 'text', text: 'second' }] },
      { kind: 'message', content: [{ type: 'text', text: 'task done' }] },
    );
    const chat = await local.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    await waitForStatus(chat, 'waiting_for_input', 'the first turn');
    await chat.sendMessage('again', { id: 'm-2' });
    await chat.userMessage('ignored repeat', { id: 'm-2' });
    await chat.interrupt('nothing running');
    await chat.cancel();
    await chat.result();
    const task = await local.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'do it' }] });
    await task.result();

    for (const handle of [chat, task]) {
      const history = await handle.workflow.fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: keel.environment.bundle, replayName: handle.workflowId }, history);
    }
  });
});
