import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { ListedSession } from '../../src/cli/commands/list.js';
import type { SessionHandle } from '../../src/client/session-client.js';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedReply } from '../../src/dev/scripted-model-server.js';
import { runKeel } from '../harness/keel-cli.js';
import { startTestEnvironment, type RunningWorker, type TestEnvironment } from '../harness/temporal-env.js';
import { testProfiles } from '../harness/test-profiles.js';
import { waitFor } from '../harness/wait-for.js';

const reply: ScriptedReply = { kind: 'message', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 10, output_tokens: 2 } };

describe('keel list', () => {
  let environment: TestEnvironment;
  let model: ScriptedModelServer;
  let worker: RunningWorker;
  const sessions: Record<string, SessionHandle> = {};

  /** `temporal workflow list --query`: the dev server's own visibility answer, as the UI's filter gets it. */
  const serverList = (query: string): string[] => {
    const output = execFileSync(environment.cli, ['workflow', 'list', '--address', environment.address, '--query', query, '--output', 'json'], { encoding: 'utf8' });
    const parsed = output.trim() === '' ? [] : (JSON.parse(output) as Array<{ execution: { workflowId: string } }>);
    return parsed.map((execution) => execution.execution.workflowId).sort();
  };
  const keelList = async (...args: string[]): Promise<string[]> => {
    const run = await runKeel(['list', '--json', ...args], { address: environment.address });
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as ListedSession[]).map((session) => session.workflowId).sort();
  };

  before(async () => {
    environment = await startTestEnvironment();
    model = await startScriptedModelServer({ responder: (request) => (request.body?.messages?.[0]?.content === 'think forever' ? { kind: 'hang' } : reply) });
    worker = await environment.startWorker({ modelUrl: model.url, profiles: { other: { ...testProfiles.test, model: 'claude-other-1' } } });
    const start = async (name: string, profile: string, mode: 'task' | 'chat', content = `session ${name}`) =>
      (sessions[name] = await worker.sessions.start({ profile, mode, messages: [{ role: 'user', content }] }, { workflowId: `list-${name}` }));
    await Promise.all([
      start('chat-a', 'test', 'chat'),
      start('chat-b', 'test', 'chat'),
      start('chat-other', 'other', 'chat'),
      start('task-done', 'test', 'task'),
      start('busy', 'test', 'chat', 'think forever'),
    ]);
    await sessions['task-done'].result();
    for (const name of ['chat-a', 'chat-b', 'chat-other']) await waitFor(`${name} to wait`, async () => (await sessions[name].state()).status === 'waiting_for_input');
    await waitFor('the busy session to call the model', () => model.requests.some((request) => request.reply === 'hang'));
  });
  after(async () => {
    await environment?.close();
    await model?.close();
  });

  test('keel list --status: finds exactly the sessions in that status, as the server\'s visibility query does', async () => {
    const waiting = ['list-chat-a', 'list-chat-b', 'list-chat-other'];
    // Visibility is eventually consistent: wait until the server's index has caught up with every session.
    await waitFor('visibility to index the waiting sessions', () => serverList(`KeelStatus = 'waiting_for_input'`).length === 3);
    assert.deepEqual(serverList(`KeelStatus = 'waiting_for_input'`), waiting);
    assert.deepEqual(await keelList('--status', 'waiting_for_input'), waiting);

    assert.deepEqual(await keelList('--status', 'running'), ['list-busy']);
    assert.deepEqual(serverList(`KeelStatus = 'running'`), ['list-busy']);
    assert.deepEqual(await keelList('--status', 'completed'), ['list-task-done']);
    assert.deepEqual(await keelList('--status', 'waiting_for_approval'), []);
    assert.deepEqual(serverList(`KeelStatus = 'waiting_for_approval'`), []);
    assert.deepEqual(await keelList('--status', 'running,completed'), ['list-busy', 'list-task-done']);
  });

  test('keel list --profile, --since, --limit, --query: the filters combine with AND', async () => {
    assert.deepEqual(await keelList('--profile', 'other'), ['list-chat-other']);
    assert.deepEqual(serverList(`KeelProfile = 'other'`), ['list-chat-other']);
    assert.deepEqual(await keelList('--status', 'waiting_for_input', '--profile', 'test'), ['list-chat-a', 'list-chat-b']);
    assert.deepEqual(await keelList('--since', '1h'), ['list-busy', 'list-chat-a', 'list-chat-b', 'list-chat-other', 'list-task-done']);
    assert.equal((await keelList('--limit', '2')).length, 2);
    assert.deepEqual(await keelList('--query', `WorkflowId = 'list-chat-b'`), ['list-chat-b']);
  });

  test('keel list: a table a person reads at a glance, and the query to paste into the UI', async () => {
    const run = await runKeel(['list', '--profile', 'other', '--show-query'], { address: environment.address });
    assert.equal(run.code, 0, run.stderr);
    const [header, row] = run.stdout.trimEnd().split('\n');
    assert.match(header, /^ID\s+STATUS\s+PROFILE\s+TURNS\s+TOKENS\s+COST\s+STARTED\s+TASK$/);
    assert.match(row, /^list-chat-other\s+waiting_for_input\s+other\s+1\s+12\s+\$0\.0000\s+\d+[sm] ago\s+session chat-other$/);
    assert.equal(run.stderr.trim(), `WorkflowType = 'agentSession' AND KeelProfile = 'other'`);
    const bad = await runKeel(['list', '--status', 'sleeping'], { address: environment.address });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown status "sleeping"; expected one of running, waiting_for_input/);
  });
});
