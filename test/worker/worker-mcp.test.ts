/**
 * MCP tool sources in a worker process (`src/worker/main.ts`, which is `runWorker`): KEEL_MCP_CONFIG is read, its
 * stdio server is started with the worker and serves its sessions, and stopped when the worker stops; a bad file is
 * refused at start, naming the server and the field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { everythingServerScript, everythingStdioServer } from '../harness/mcp-test-servers.js';
import { textReply, toolCallsReply, toolResultsIn } from '../harness/scripted-replies.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

/** The processes whose parent is `parent` and whose command line mentions `text`. */
function childrenRunning(parent: number, text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('worker process with MCP servers', () => {
  const keel = useKeel({ model: {} });
  const directory = mkdtempSync(join(tmpdir(), 'keel-worker-mcp-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('worker: KEEL_MCP_CONFIG starts its stdio server with the worker, its tools serve sessions, and it stops with the worker', async () => {
    const config = join(directory, 'mcp.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { everything: everythingStdioServer } }));
    const taskQueue = uniqueTaskQueue('mcp');
    const worker = await keel.startWorkerProcess({ taskQueue, env: { KEEL_MCP_CONFIG: config } });
    const pid = worker.child.pid!;
    const [server] = await waitFor('the stdio server to start with the worker', () => {
      const found = childrenRunning(pid, everythingServerScript);
      return found.length > 0 ? found : undefined;
    });
    assert.match(worker.output(), /"mcpServers":\["everything"\]/);

    keel.model.push(toolCallsReply({ id: 'toolu_echo', name: 'mcp__everything__echo', input: { message: 'from a worker process' } }), textReply('echoed'));
    const requestsBefore = keel.model.requests.length;
    const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
    const handle = await sessions.start({ profile: 'test', tools: ['mcp__everything__echo'], messages: [{ role: 'user', content: 'echo' }] });
    assert.equal((await handle.result()).status, 'completed');
    assert.deepEqual(toolResultsIn(keel.model.requests[requestsBefore + 1]!).get('toolu_echo'), { content: 'Echo: from a worker process', isError: false });

    const exit = await worker.kill('SIGTERM');
    assert.equal(exit.code, 0, worker.output());
    await waitFor('the stdio server to stop with the worker', () => !isRunning(server!), 10_000);
  });

  test('worker: a KEEL_MCP_CONFIG with a bad field is refused at start, naming the server and the field', async () => {
    const config = join(directory, 'bad.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { tickets: { type: 'http', url: 'https://mcp.example.com/mcp', timeoutSeconds: 'soon' } } }));
    await assert.rejects(
      keel.startWorkerProcess({ taskQueue: uniqueTaskQueue('mcp'), env: { KEEL_MCP_CONFIG: config } }),
      (error: Error) => error.message.includes(`MCP configuration ${config}: mcpServers.tickets: timeoutSeconds: `),
    );
  });
});
