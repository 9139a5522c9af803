/**
 * `sandbox.network`: a session's commands reach the network only when the session allows it. End to end, with a
 * TCP server on the host's 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { startTestEnvironment, type RunningWorker, type TestEnvironment } from '../harness/temporal-env.js';

describe('sandbox network', () => {
  let environment: TestEnvironment;
  let model: ScriptedModelServer;
  let worker: RunningWorker;
  let server: Server;
  let port: number;
  let connections = 0;

  before(async () => {
    environment = await startTestEnvironment();
    model = await startScriptedModelServer();
    worker = await environment.startWorker({ modelUrl: model.url });
    server = createServer((socket) => {
      connections += 1;
      socket.end('greetings from 127.0.0.1\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await environment?.close();
    await model?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Runs one session whose model opens a socket to the test server with bash; returns what the tool answered. */
  async function connectFromSession(network: boolean | undefined): Promise<{ content: string; is_error?: boolean }> {
    model.push(
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_connect', name: 'bash', input: { command: `exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3`, timeoutSeconds: 10 } }] },
      { kind: 'message', content: [{ type: 'text', text: 'tried' }] },
    );
    const requestsBefore = model.requests.length;
    const handle = await worker.sessions.start({
      profile: 'test',
      tools: ['bash'],
      sandbox: { provider: 'local', ...(network === undefined ? {} : { network }) },
      messages: [{ role: 'user', content: 'connect' }],
    });
    assert.equal((await handle.result()).status, 'completed');
    return model.requests[requestsBefore + 1]!.body.messages.at(-1).content[0];
  }

  test('network: false: a command cannot open a socket to a server on the host loopback', async () => {
    const before = connections;
    const result = await connectFromSession(false);
    assert.equal(result.is_error, true);
    assert.match(result.content, /^exit code: 1\nstderr:\n.*Connection refused/s);
    assert.equal(connections, before);
  });

  test('network left out: the default is no network', async () => {
    const before = connections;
    const result = await connectFromSession(undefined);
    assert.equal(result.is_error, true);
    assert.equal(connections, before);
  });

  test('network: true: the same command reaches the server', async () => {
    const before = connections;
    const result = await connectFromSession(true);
    assert.equal(result.is_error, undefined);
    assert.equal(result.content, 'exit code: 0\nstdout:\ngreetings from 127.0.0.1');
    assert.equal(connections, before + 1);
  });
});
