/**
 * A worker killed with SIGKILL in the middle of a session that has written files: another worker finishes the
 * session, sees the files, and removes them when the session ends. Worker processes run `src/worker/main.ts`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { detectCgroups } from '../../src/sandboxes/local/cgroup-detection.js';
import { sessionKey } from '../../src/sandboxes/local/local-sandbox-provider.js';
import { SessionClient } from '../../src/client/session-client.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';
import { hostProcessesWith } from '../harness/host-processes.js';

describe('worker crash during a tool session', () => {
  let dataDir: string;
  const keel = useKeel({ model: {} });
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'keel-crash-data-'));
    keel.closeAfter({ close: () => rmSync(dataDir, { recursive: true, force: true }) });
  });

  test('kill -9: a new worker finishes the session, sees its files, and the directory is gone at the end', async () => {
    const taskQueue = uniqueTaskQueue('crash');
    const start = () => keel.startWorkerProcess({ taskQueue, env: { KEEL_DATA_DIR: dataDir, KEEL_TOOL_HEARTBEAT_TIMEOUT_SECONDS: '2' } });
    const first = await start();
    // The worker says at start what the local sandbox is and which limits are in force.
    assert.match(first.output(), /local sandbox: bubblewrap [\d.]+/);
    assert.match(first.output(), /local sandbox limits in force: memory 2048 MiB per session \(cgroup v\d\), 512 processes per session \(cgroup v\d\), file size 1024 MiB \(rlimit\), 1024 open files \(rlimit\), CPU 600 s per process \(rlimit\)/);

    const marker = `${30 + Math.floor(Math.random() * 10)}.${Math.floor(Math.random() * 1e6)}`;
    keel.model.push(
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_write', name: 'write_file', input: { path: 'data/important.txt', content: 'written before the crash\n' } }] },
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_long', name: 'bash', input: { command: `echo started > started.txt; sleep ${marker}; echo finished > finished.txt`, timeoutSeconds: 120 } }] },
      {
        kind: 'message',
        content: [
          { type: 'tool_use', id: 'toolu_read', name: 'read_file', input: { path: 'data/important.txt' } },
          { type: 'tool_use', id: 'toolu_list', name: 'list_files', input: {} },
        ],
      },
      { kind: 'message', content: [{ type: 'text', text: 'recovered' }] },
    );
    const requestsBefore = keel.model.requests.length;
    const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
    const handle = await sessions.start({ profile: 'test', tools: ['bash', 'read_file', 'write_file', 'list_files'], messages: [{ role: 'user', content: 'work, then survive' }] });
    const directory = join(dataDir, 'sandboxes', sessionKey(handle.workflowId));
    await waitFor('the long command to start', () => existsSync(join(directory, 'workspace', 'started.txt')), 30_000);

    const killed = await first.kill('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    // The command dies with its worker (bubblewrap's --die-with-parent tears its PID namespace down).
    await waitFor('the sandboxed command to die with the worker', () => hostProcessesWith(`sleep ${marker}`).length === 0, 10_000);
    assert.ok(existsSync(join(directory, 'workspace', 'data', 'important.txt')), 'the files outlive the worker');

    await start();

    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'recovered');

    const lost = keel.model.requests[requestsBefore + 2]!.body.messages.at(-1).content[0];
    assert.equal(lost.tool_use_id, 'toolu_long');
    assert.equal(lost.is_error, true);
    assert.match(lost.content, /^the bash tool failed: the worker running it stopped responding \(no heartbeat for 2 s\); it was probably lost mid-call\. It is not retried automatically/);
    const recovered = keel.model.requests[requestsBefore + 3]!.body.messages.at(-1).content as { tool_use_id: string; content: string }[];
    assert.deepEqual(recovered.map((block) => [block.tool_use_id, block.content]), [
      ['toolu_read', 'written before the crash'],
      ['toolu_list', 'data/\ndata/important.txt (25 bytes)\nstarted.txt (8 bytes)'],
    ]);
    assert.equal(existsSync(directory), false, 'the session directory is removed when the session ends');
    // So are the cgroups, the one of the command that died with the first worker included.
    const cgroups = await detectCgroups();
    for (const parent of [cgroups.memoryParent, cgroups.pidsParent]) {
      if (parent) assert.equal(existsSync(join(parent, sessionKey(handle.workflowId))), false, `${parent} still holds the session's cgroup`);
    }
  });
});
