import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isListening } from '../../src/dev/dev-server.js';
import { waitFor } from '../harness/wait-for.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function runDemo(args: string[]) {
  const environment = { ...process.env };
  delete environment.ANTHROPIC_API_KEY;
  delete environment.ANTHROPIC_BASE_URL;
  // Its own process group, so Ctrl-C (SIGINT) reaches npm and the demo under it alike.
  const child = spawn('npm', ['run', '--silent', 'demo', '--', ...args], { cwd: root, env: environment, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const interrupt = () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT');
  };
  return { child, output: () => output, exited, interrupt };
}

describe('npm run demo', () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'keel-demo-'));
  after(() => rmSync(dataDirectory, { recursive: true, force: true }));

  test('demo: runs offline, labelled, prints the steps and the UI link, keeps the server up until Ctrl-C, and keeps sessions across runs', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    const flags = ['--port', String(port), '--ui-port', String(uiPort), '--data-dir', dataDirectory];
    const first = runDemo(flags);
    try {
      await waitFor('the session to complete', () => first.output().includes('[demo] session completed'), 120_000, 200);
      const output = first.output();
      assert.match(output, /OFFLINE MODE: ANTHROPIC_API_KEY is not set/);
      assert.match(output, /\[session\] user: Explain in three short sentences/);
      assert.match(output, /\[session\] assistant: \[offline scripted model\]/);
      assert.match(output, /\[session\] status: completed/);
      const link = output.match(/Temporal UI: (http:\/\/localhost:\d+\/namespaces\/default\/workflows\/(session-[\w-]+))/);
      assert.ok(link, 'the UI link is printed');
      const workflowId = link[2];

      // The UI shows the session as completed (read through the UI server's own API, as its pages do).
      await waitFor('the UI to answer', () => first.output().includes('press Ctrl-C to stop'), 20_000);
      const response = await fetch(`http://127.0.0.1:${uiPort}/api/v1/namespaces/default/workflows/${workflowId}`);
      assert.equal(response.status, 200);
      const described = (await response.json()) as { workflowExecutionInfo: { status: string; type: { name: string } } };
      assert.equal(described.workflowExecutionInfo.status, 'WORKFLOW_EXECUTION_STATUS_COMPLETED');
      assert.equal(described.workflowExecutionInfo.type.name, 'agentSession');

      first.interrupt();
      const [code, signal] = await first.exited;
      // npm itself ends by the signal it was sent; the demo under it stops the worker and the server first.
      assert.ok(code === 0 || signal === 'SIGINT', first.output());
      assert.match(first.output(), /\[demo\] stopping/);
      await waitFor('the server to release its ports', async () => !(await isListening('127.0.0.1', port)) && !(await isListening('127.0.0.1', uiPort)));

      const second = runDemo([...flags, '--once']);
      const [secondCode] = await second.exited;
      assert.equal(secondCode, 0, second.output());
      assert.match(second.output(), new RegExp(`earlier sessions on this server[\\s\\S]*${workflowId}\\s+COMPLETED`));
    } finally {
      if (first.child.exitCode === null) first.interrupt();
    }
  });
});
