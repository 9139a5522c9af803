import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { uniqueTaskQueue } from './temporal-env.js';
import { createKeelFixture, useKeel } from './use-keel.js';
import type { WorkerProcess } from './worker-process.js';

const answer = (text: string) => ({ kind: 'message' as const, content: [{ type: 'text' as const, text }] });

/** Whether something listens at `host:port` (the dev server's gRPC port once it is gone). */
function listening(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('useKeel fixture', () => {
  test('useKeel: its getters say what is missing and why when used before the before hook ran', () => {
    const { keel } = createKeelFixture({ model: {}, worker: {} });
    assert.throws(() => keel.environment, /useKeel: the Temporal environment is not there: it is started by the describe's before hook/);
    assert.throws(() => keel.model, /useKeel: the model is not there/);
    assert.throws(() => keel.worker, /useKeel: the worker is not there/);
    assert.throws(() => keel.namedWorker('other'), /useKeel: the worker "other" is not there/);
  });

  test('useKeel: a before that fails half-way kills the worker processes, closes the server, the model and the resources it had started, and says why', async () => {
    let seen: { address: string; modelUrl: string; process: WorkerProcess } | undefined;
    let resourceClosed = false;
    const fixture = createKeelFixture({
      model: {},
      worker: async (keel) => {
        const process = await keel.startWorkerProcess({ taskQueue: uniqueTaskQueue('doomed') });
        seen = { address: keel.environment.address, modelUrl: keel.model.url, process };
        keel.closeAfter({ close: () => (resourceClosed = true) });
        throw new Error('this worker cannot start');
      },
    });
    await assert.rejects(fixture.start(), /this worker cannot start/);
    assert.ok(seen, 'the server, the model and a worker process had started');
    assert.match(seen.process.output(), /keel worker started/);
    assert.equal(seen.process.child.signalCode, 'SIGKILL');
    assert.equal(resourceClosed, true);
    assert.equal(await listening(seen.address), false, 'the dev server is down');
    await assert.rejects(fetch(`${seen.modelUrl}/v1/messages`, { method: 'POST', body: '{}' }), 'the model server is closed');
    assert.throws(() => fixture.keel.environment, /not there/);
    await fixture.close();
  });

  describe('with two models and two workers', () => {
    const keel = useKeel({ model: {}, models: { lenient: { validate: false } }, worker: {}, workers: { lenient: { scriptedModel: 'lenient' } } });

    test('useKeel: each worker calls its own model, on its own task queue; an unknown name is refused', async () => {
      keel.model.push(answer('from the main model'));
      keel.namedModel('lenient').push(answer('from the lenient model'));
      const main = await keel.worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'hi' }] });
      const lenient = await keel.namedWorker('lenient').sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal((await main.result()).finalText, 'from the main model');
      assert.equal((await lenient.result()).finalText, 'from the lenient model');
      assert.notEqual(keel.worker.taskQueue, keel.namedWorker('lenient').taskQueue);
      assert.equal(keel.model.requests.length, 1);
      assert.equal(keel.namedModel('lenient').requests.length, 1);
      assert.throws(() => keel.namedModel('missing'), /useKeel: no model "missing" \(give it in the useKeel options\)/);
    });

  });
});
