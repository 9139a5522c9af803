/**
 * `sandbox.network`: a session's commands reach the network only when the session allows it, and then only
 * outbound: never the worker's own loopback. End to end, with a TCP server on the host's 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { startCountingServer, type CountingServer } from '../harness/counting-server.js';
import { useKeel } from '../harness/use-keel.js';

describe('sandbox network', () => {
  const keel = useKeel({ model: {}, worker: {} });
  let server: CountingServer;

  before(async () => {
    server = keel.closeAfter(await startCountingServer('127.0.0.1', 'greetings from 127.0.0.1\n'));
  });

  /** Runs one session whose model opens a socket to the test server with bash; returns what the tool answered. */
  async function connectFromSession(network: boolean | undefined): Promise<{ content: string; is_error?: boolean }> {
    const { model, worker } = keel;
    model.push(
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_connect', name: 'bash', input: { command: `exec 3<>/dev/tcp/127.0.0.1/${server.port} && cat <&3`, timeoutSeconds: 10 } }] },
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
    const before = server.connections;
    const result = await connectFromSession(false);
    assert.equal(result.is_error, true);
    assert.match(result.content, /^exit code: 1\nstderr:\n.*Connection refused/s);
    assert.equal(server.connections, before);
  });

  test('network left out: the default is no network', async () => {
    const before = server.connections;
    const result = await connectFromSession(undefined);
    assert.equal(result.is_error, true);
    assert.equal(server.connections, before);
  });

  test('network: true: the command has network, but not the worker\'s loopback: the server stays out of reach', async () => {
    const before = server.connections;
    const result = await connectFromSession(true);
    assert.equal(result.is_error, true);
    assert.match(result.content, /^exit code: 1\nstderr:\n.*(Connection refused|Network is unreachable)/s);
    assert.equal(server.connections, before);
  });
});
