import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fallbackWorkerDataDir } from '../../src/dev/demo/worker-data-dir.js';
import { isListening } from '../../src/dev/dev-server.js';
import { freePort } from '../harness/free-port.js';
import { waitFor } from '../harness/wait-for.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runDemo(args: string[]) {
  const environment = { ...process.env };
  delete environment.ANTHROPIC_API_KEY;
  delete environment.ANTHROPIC_BASE_URL;
  // `npm run demo` as a user types it, less its setup step (`predemo`: scripts/ensure-setup.mjs), which the suite's
  // own setup has done and which may not reinstall dependencies under a running suite. Its own process group, so
  // that Ctrl-C (SIGINT) reaches npm, the demo and its worker process alike.
  const child = spawn('npm', ['run', '--silent', '--ignore-scripts', 'demo', '--', ...args], { cwd: root, env: environment, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const interrupt = () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT');
  };
  return { child, output: () => output, exited, interrupt };
}

/** Waits for the demo to print `text`; a demo that never does is shown whole, with where it stopped. */
async function waitForOutput(run: ReturnType<typeof runDemo>, what: string, text: string): Promise<void> {
  await waitFor(what, () => run.output().includes(text), 300_000, 200).catch((error: Error) => {
    throw new Error(`${error.message}; the demo printed:\n${run.output()}`);
  });
}

/** The UI links the demo printed, one per session, with the session ids. */
function sessionLinks(output: string): Array<{ url: string; workflowId: string }> {
  return [...output.matchAll(/Temporal UI: (http:\/\/localhost:\d+\/namespaces\/default\/workflows\/(session-[\w-]+))/g)].map((match) => ({ url: match[1]!, workflowId: match[2]! }));
}

describe('npm run demo', () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'keel-demo-'));
  after(() => {
    rmSync(dataDirectory, { recursive: true, force: true });
    // Where the demo moves its worker's data when the temporary folder is closed to the sessions' uids (as root).
    rmSync(fallbackWorkerDataDir(dataDirectory), { recursive: true, force: true });
  });

  test('demo: with --yes --once it runs offline, names each step with its UI link, and exits 0', async () => {
    const flags = ['--port', String(await freePort()), '--ui-port', String(await freePort()), '--data-dir', dataDirectory];
    const run = runDemo([...flags, '--yes', '--once']);
    run.child.stdin.end();
    const [code] = await run.exited;
    const output = run.output();
    assert.equal(code, 0, output);
    assert.match(output, /OFFLINE MODE: ANTHROPIC_API_KEY is not set/);

    // 1. The program is written and run in the sandbox; its real output comes back.
    assert.match(output, /\[demo\] step 1 of 3: the model writes a program and runs it in the local sandbox/);
    assert.match(output, /\[session\] tool call write_file \{"path":"primes.py"/);
    assert.match(output, /\[session\] tool call bash \{"command":"python3 primes.py"\}/);
    assert.match(output, /\[session\] tool result: exit code: 0 stdout: the first ten primes: 2 3 5 7 11 13 17 19 23 29/);
    assert.match(output, /\[demo\] step 1: session completed/);

    // 2. The tool call waits, is approved (by the flag), then runs.
    assert.match(output, /\[demo\] step 2 of 3: a tool call that waits for approval/);
    assert.match(output, /\[session\] status: waiting_for_approval/);
    assert.match(output, /\[demo\] approved automatically \(--yes\)/);
    assert.match(output, /-- tool-decision: bash toolu_\w+: approved/);
    assert.match(output, /\[session\] tool result: exit code: 0 stdout: release 1\.0\.0 approved/);
    assert.match(output, /\[demo\] step 2: session completed/);

    // 3. The worker is killed mid-call; a new one retries the call and the session completes with one reply.
    assert.match(output, /\[demo\] step 3 of 3: SIGKILL of the worker in the middle of a model call/);
    assert.match(output, /\[demo\] SIGKILL sent to worker process \d+ while the model call was streaming \(attempt 1\)/);
    assert.match(output, /\[demo\] a new worker process \d+ is polling/);
    assert.match(output, /\[demo\] the model call is running again on the new worker \(attempt [2-9]\)/);
    assert.match(output, /\[demo\] step 3: session completed/);
    assert.match(output, /\[demo\] step 3: the transcript holds 1 assistant reply:/);

    const links = sessionLinks(output);
    assert.equal(links.length, 3, output);
    assert.equal(new Set(links.map((link) => link.workflowId)).size, 3);
  });

  test('demo: approval typed at the terminal; the server and UI stay up with the sessions until Ctrl-C; earlier sessions are listed', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    const run = runDemo(['--port', String(port), '--ui-port', String(uiPort), '--data-dir', dataDirectory]);
    try {
      await waitForOutput(run, 'the approval question', '[demo] approve bash');
      run.child.stdin.write('y\n');
      await waitForOutput(run, 'the demo to finish its sessions', 'press Ctrl-C to stop');
      const output = run.output();
      assert.match(output, /\[demo\] approved at the terminal/);
      // The run before this one left its sessions in the server's SQLite file.
      assert.match(output, /earlier sessions on this server[\s\S]*session-[\w-]+\s+COMPLETED/);

      // Each link's session, read through the UI server's own API as its pages do, completed.
      const links = sessionLinks(output);
      assert.equal(links.length, 3, output);
      for (const { workflowId } of links) {
        const response = await fetch(`http://127.0.0.1:${uiPort}/api/v1/namespaces/default/workflows/${workflowId}`);
        assert.equal(response.status, 200);
        const described = (await response.json()) as { workflowExecutionInfo: { status: string; type: { name: string } } };
        assert.equal(described.workflowExecutionInfo.status, 'WORKFLOW_EXECUTION_STATUS_COMPLETED', workflowId);
        assert.equal(described.workflowExecutionInfo.type.name, 'agentSession');
      }

      run.interrupt();
      const [code, signal] = await run.exited;
      // npm itself ends by the signal it was sent; the demo under it stops the worker and the server first.
      assert.ok(code === 0 || signal === 'SIGINT', run.output());
      assert.match(run.output(), /\[demo\] stopping/);
      await waitFor('the server to release its ports', async () => !(await isListening('127.0.0.1', port)) && !(await isListening('127.0.0.1', uiPort)));
    } finally {
      run.interrupt();
    }
  });
});
