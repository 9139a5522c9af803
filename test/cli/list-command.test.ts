import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import type { ListedSession } from '../../src/client/listed-session.js';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { runKeel } from '../harness/keel-cli.js';
import { useKeel } from '../harness/use-keel.js';
import { testProfiles } from '../harness/test-profiles.js';
import { waitFor, waitForStatus } from '../harness/wait-for.js';

const reply: ScriptedReply = { kind: 'message', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 10, output_tokens: 2 } };

describe('keel list', () => {
  const sessions: Record<string, SessionHandle> = {};

  /** `temporal workflow list --query`: the dev server's own visibility answer, as the UI's filter gets it. */
  const serverList = (query: string): string[] => {
    const output = execFileSync(fixture.environment.cli, ['workflow', 'list', '--address', fixture.environment.address, '--query', query, '--output', 'json'], { encoding: 'utf8' });
    const parsed = output.trim() === '' ? [] : (JSON.parse(output) as Array<{ execution: { workflowId: string } }>);
    return parsed.map((execution) => execution.execution.workflowId).sort();
  };
  const keelList = async (...args: string[]): Promise<string[]> => {
    const run = await runKeel(['list', '--json', ...args], { address: fixture.environment.address });
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as ListedSession[]).map((session) => session.workflowId).sort();
  };

  const fixture = useKeel({
    model: {
      responder: (request) => {
        const first = request.body?.messages?.[0]?.content;
        if (first === 'think forever') return { kind: 'hang' };
        // Sessions that need approval ask for one bash call, then answer once its result (or refusal) is in.
        if (typeof first === 'string' && first.startsWith('approve me') && request.body.messages.length === 1) {
          return { kind: 'message', content: [{ type: 'tool_use', id: `toolu_${first.slice(-1)}`, name: 'bash', input: { command: 'echo approved' } }] };
        }
        return reply;
      },
    },
    worker: { profiles: { other: { ...testProfiles.test, model: 'claude-other-1' } } },
  });

  before(async () => {
    const start = async (name: string, profile: string, mode: 'task' | 'chat', content = `session ${name}`) =>
      (sessions[name] = await fixture.worker.sessions.start(
        { profile, mode, messages: [{ role: 'user', content }], ...(content.startsWith('approve me') ? { tools: ['bash'], approval: { tools: ['bash'] } } : {}) },
        { workflowId: `list-${name}` },
      ));
    await Promise.all([
      start('chat-a', 'test', 'chat'),
      start('chat-b', 'test', 'chat'),
      start('chat-other', 'other', 'chat'),
      start('task-done', 'test', 'task'),
      start('busy', 'test', 'chat', 'think forever'),
      start('approval-a', 'test', 'task', 'approve me a'),
      start('approval-b', 'other', 'task', 'approve me b'),
    ]);
    await sessions['task-done'].result();
    for (const name of ['chat-a', 'chat-b', 'chat-other']) await waitForStatus(sessions[name], 'waiting_for_input', `${name} to wait`);
    await waitFor('the busy session to call the model', () => fixture.model.requests.some((request) => request.reply === 'hang'));
    for (const name of ['approval-a', 'approval-b']) await waitForStatus(sessions[name], 'waiting_for_approval', `${name} to wait for approval`);
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
    await waitFor('visibility to index the sessions waiting for approval', () => serverList(`KeelStatus = 'waiting_for_approval'`).length === 2);
    assert.deepEqual(serverList(`KeelStatus = 'waiting_for_approval'`), ['list-approval-a', 'list-approval-b']);
    assert.deepEqual(await keelList('--status', 'waiting_for_approval'), ['list-approval-a', 'list-approval-b']);
    assert.deepEqual(await keelList('--status', 'running,completed'), ['list-busy', 'list-task-done']);
  });

  test('keel list --profile, --since, --limit, --query: the filters combine with AND', async () => {
    assert.deepEqual(await keelList('--profile', 'other'), ['list-approval-b', 'list-chat-other']);
    assert.deepEqual(serverList(`KeelProfile = 'other'`), ['list-approval-b', 'list-chat-other']);
    assert.deepEqual(await keelList('--status', 'waiting_for_input', '--profile', 'test'), ['list-chat-a', 'list-chat-b']);
    assert.deepEqual(await keelList('--since', '1h'), ['list-approval-a', 'list-approval-b', 'list-busy', 'list-chat-a', 'list-chat-b', 'list-chat-other', 'list-task-done']);
    assert.equal((await keelList('--limit', '2')).length, 2);
    assert.deepEqual(await keelList('--query', `WorkflowId = 'list-chat-b'`), ['list-chat-b']);
  });

  test('keel list: a table a person reads at a glance, and the query to paste into the UI', async () => {
    const run = await runKeel(['list', '--profile', 'other', '--status', 'waiting_for_input', '--show-query'], { address: fixture.environment.address });
    assert.equal(run.code, 0, run.stderr);
    const [header, row] = run.stdout.trimEnd().split('\n');
    assert.match(header, /^ID\s+STATUS\s+PROFILE\s+TURNS\s+TOKENS\s+COST\s+STARTED\s+TASK$/);
    assert.match(row, /^list-chat-other\s+waiting_for_input\s+other\s+1\s+12\s+\$0\.0000\s+\d+[sm] ago\s+session chat-other$/);
    assert.equal(run.stderr.trim(), `WorkflowType = 'agentSession' AND (KeelStatus = 'waiting_for_input' AND ExecutionStatus = 'Running') AND KeelProfile = 'other'`);
    const bad = await runKeel(['list', '--status', 'sleeping'], { address: fixture.environment.address });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown status "sleeping"; expected one of running, waiting_for_input/);
  });

  test('keel state, approve, deny: pending approvals are listed with their commands, decided from the command line, and the sessions go on', async () => {
    const keel = (...args: string[]) => runKeel(args, { address: fixture.environment.address });
    const state = await keel('state', 'list-approval-a');
    assert.equal(state.code, 0, state.stderr);
    assert.match(state.stdout, /^list-approval-a  waiting_for_approval/);
    assert.match(state.stdout, /^approval  bash \{"command":"echo approved"\} \(toolu_a, turn 1\)$/m);
    assert.match(state.stdout, /keel approve list-approval-a toolu_a {3}\| {3}keel deny list-approval-a toolu_a/);

    // The Temporal UI's current details say what the session waits on.
    const metadata = (await sessions['approval-a'].workflow.query('__temporal_workflow_metadata')) as { currentDetails?: string };
    assert.match(metadata.currentDetails ?? '', /^\*\*waiting_for_approval\*\*, turn 1, .*\n\nlast step: the model asked for bash$/);

    const approved = await keel('approve', 'list-approval-a', 'toolu_a', '--input', '{"command":"echo edited"}', '--reason', 'looks safe');
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /^approved bash \{"command":"echo edited"\} \(toolu_a\)$/m);
    const again = await keel('approve', 'list-approval-a', 'toolu_a');
    assert.equal(again.code, 1);
    // Decided already: the session refuses it, or (having finished its turn) has ended.
    assert.match(again.stderr, /^keel: (refused by the session: |session list-approval-a has ended)/);
    const denied = await keel('deny', 'list-approval-b', 'toolu_b', '--reason', 'not today');
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(denied.stdout, /^denied bash \(toolu_b\)$/m);
    const badInput = await keel('approve', 'list-approval-b', 'toolu_b', '--input', '{not json');
    assert.equal(badInput.code, 2);

    assert.equal((await sessions['approval-a'].result()).status, 'completed');
    assert.equal((await sessions['approval-b'].result()).status, 'completed');
    const transcript = await keel('transcript', 'list-approval-a');
    assert.match(transcript.stdout, /^result {5}\(toolu_a\) .*edited/m);
    const deniedTranscript = await keel('transcript', 'list-approval-b');
    assert.match(deniedTranscript.stdout, /^tool error \(toolu_b\) .*not today/m);
    await waitFor('visibility to drop them from waiting_for_approval', () => serverList(`KeelStatus = 'waiting_for_approval'`).length === 0);
    assert.deepEqual(await keelList('--status', 'waiting_for_approval'), []);
  });
});
