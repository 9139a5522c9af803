/**
 * Sub-agents: `spawn_agent` runs child sessions, several at once; their spend counts against the parent's limits and
 * in its ledger; a child's failure is a tool error; cancelling the parent cancels its children; a worker killed
 * mid-tree loses nothing and repeats no turn. Real dev server, real workers, the scripted model over the real SDK.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TimeoutFailure, WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import { sessionKey } from '../../src/sandboxes/local/local-sandbox-provider.js';
import { SessionClient } from '../../src/client/session-client.js';
import type { RecordedRequest, ScriptedReply } from '../../src/dev/scripted-model/index.js';
import type { SessionResult, Usage } from '../../src/shared/schemas/session-messages.js';
import { defineTool } from '../../src/tools/index.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { testProfiles } from '../harness/test-profiles.js';
import { callsBefore, responderByTask, spawnReply, spawnResults, taskOf } from '../harness/sub-agent-model.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

const note = defineTool({
  name: 'note',
  description: 'Takes a note.',
  inputSchema: z.object({ text: z.string() }),
  handler: async () => 'noted',
});

const text = (value: string, usage: { input_tokens: number; output_tokens: number }, delayMs?: number): ScriptedReply => ({
  kind: 'message',
  content: [{ type: 'text', text: value }],
  usage,
  ...(delayMs !== undefined ? { delayMs } : {}),
});

const sumUsage = (usages: Array<Pick<Usage, 'inputTokens' | 'outputTokens'>>): { inputTokens: number; outputTokens: number } => ({
  inputTokens: usages.reduce((sum, usage) => sum + usage.inputTokens, 0),
  outputTokens: usages.reduce((sum, usage) => sum + usage.outputTokens, 0),
});

/** Requests of one session (by task) in arrival order. */
const requestsOf = (requests: readonly RecordedRequest[], task: string): RecordedRequest[] => requests.filter((request) => taskOf(request) === task);

describe('sub-agents', () => {
  const scripts: Record<string, (request: RecordedRequest) => ScriptedReply | undefined> = {};
  const keel = useKeel({
    model: { responder: responderByTask(scripts) },
    worker: { tools: [note], profiles: { ...testProfiles, every2: { ...testProfiles.test, continueAsNewAfterTurns: 2 } } },
  });

  /** A parent whose one sub-agent's model call takes a minute; resolves once that call has begun. */
  const startWithSlowChild = async (parentTask: string, childTask: string) => {
    scripts[parentTask] ??= () => spawnReply([childTask]);
    scripts[childTask] = () => text('too late', { input_tokens: 1, output_tokens: 1 }, 60_000);
    const handle = await keel.worker.sessions.start({ profile: 'test', tools: ['spawn_agent'], messages: [{ role: 'user', content: parentTask }] });
    await waitFor('the child to call the model', () => requestsOf(keel.model.requests, childTask).length === 1);
    return handle;
  };

  test('sub-agents: two spawned in one turn run at once, both finish, the answer uses both, and the root spend is the sum of the three', async () => {
    const parentTask = 'Compare the two reports.';
    scripts[parentTask] = (request) =>
      callsBefore(request) === 0
        ? spawnReply(['Summarise report A.', 'Summarise report B.'])
        : text(`Both read: ${spawnResults(request).map((result) => result.content).join(' | ')}`, { input_tokens: 200, output_tokens: 30 });
    scripts['Summarise report A.'] = () => text('A: revenue up', { input_tokens: 300, output_tokens: 50 }, 1500);
    scripts['Summarise report B.'] = () => text('B: costs down', { input_tokens: 400, output_tokens: 60 }, 1500);

    const handle = await keel.worker.sessions.start({ profile: 'test', tools: ['spawn_agent', 'note'], messages: [{ role: 'user', content: parentTask }] });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'Both read: A: revenue up | B: costs down');

    const requests = keel.model.requests;
    const [childA] = requestsOf(requests, 'Summarise report A.');
    const [childB] = requestsOf(requests, 'Summarise report B.');
    // Each child's call takes 1.5 s at the model: they overlap when each began before the other's was answered.
    assert.ok(Math.abs(childA!.receivedAt - childB!.receivedAt) < 1500, `the children's calls did not overlap (${childA!.receivedAt}, ${childB!.receivedAt})`);
    // The tool is offered where the session enabled it; a child gets the parent's other tools, not spawn_agent.
    const toolNames = (request: RecordedRequest) => (request.body.tools ?? []).map((tool: { name: string }) => tool.name);
    assert.ok(toolNames(requestsOf(requests, parentTask)[0]!).includes('spawn_agent'));
    assert.ok(toolNames(childA!).includes('note'));
    assert.ok(!toolNames(childA!).includes('spawn_agent'));

    const state = await handle.state();
    const ids = [`${handle.workflowId}/agent-1`, `${handle.workflowId}/agent-2`];
    assert.deepEqual(
      state.children.map((child) => [child.id, child.status, child.turns]),
      ids.map((id) => [id, 'completed', 1]),
    );
    const childResults = await Promise.all(ids.map((id) => keel.environment.client.workflow.getHandle(id).result() as Promise<SessionResult>));
    // The parent's own calls are its ledger's entries; the root's totals are those plus the children's.
    const own = state.spend.recent;
    const expected = sumUsage([...own, ...childResults.map((child) => child.usage)]);
    assert.deepEqual(sumUsage(own), { inputTokens: 300, outputTokens: 50 });
    assert.deepEqual(sumUsage(childResults.map((child) => child.usage)), { inputTokens: 700, outputTokens: 110 });
    assert.equal(state.spend.total.inputTokens, expected.inputTokens);
    assert.equal(state.spend.total.outputTokens, expected.outputTokens);
    assert.equal(state.spend.total.calls, 4);
    assert.equal(state.spend.byProfile['test']!.calls, 4);
    assert.deepEqual({ inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens }, expected);
    // $1 and $10 per million input and output tokens.
    assert.ok(Math.abs(result.usage.costUsd - (expected.inputTokens * 1 + expected.outputTokens * 10) / 1e6) < 1e-12);
    assert.deepEqual(
      state.children.map((child) => child.usage.inputTokens),
      childResults.map((child) => child.usage.inputTokens),
    );
  });

  test('sub-agents: a child that fails comes back to the model as a tool error, and the parent goes on', async () => {
    const parentTask = 'Ask a sub-agent on a profile that does not exist.';
    let seen: { content: string; isError: boolean }[] = [];
    scripts[parentTask] = (request) => {
      if (callsBefore(request) === 0) return spawnReply(['Do it elsewhere.'], { profile: 'no-such-profile' });
      seen = spawnResults(request);
      return text('I will do it myself.', { input_tokens: 10, output_tokens: 5 });
    };
    const handle = await keel.worker.sessions.start({ profile: 'test', tools: ['spawn_agent'], messages: [{ role: 'user', content: parentTask }] });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.isError, true);
    assert.match(seen[0]!.content, /^\[sub-agent .*\/agent-1\] failed: .*no-such-profile/);
    const state = await handle.state();
    assert.deepEqual(state.children.map((child) => child.status), ['failed']);
  });

  test('sub-agents: a budget two children would overrun together stops the session within one model call of its limit, naming it', async () => {
    const parentTask = 'Spend it all, in two.';
    const perCall = { input_tokens: 1500, output_tokens: 500 };
    const loop = (): ScriptedReply => ({ kind: 'message', content: [{ type: 'tool_use', name: 'note', input: { text: 'more' } }], usage: perCall });
    scripts[parentTask] = (request) => (callsBefore(request) === 0 ? spawnReply(['Work on part 1.', 'Work on part 2.']) : text('unreachable', perCall));
    scripts['Work on part 1.'] = loop;
    scripts['Work on part 2.'] = loop;
    const limit = 10_000;
    const handle = await keel.worker.sessions.start({
      profile: 'test',
      tools: ['spawn_agent', 'note'],
      limits: { maxTokens: limit },
      messages: [{ role: 'user', content: parentTask }],
    });
    const result = await handle.result();
    assert.equal(result.status, 'limit_reached');
    assert.equal(result.limit, 'maxTokens');
    const state = await handle.state();
    const total = state.spend.total.totalTokens;
    // Each child's share (half of what was left, 4,940 tokens) would let each start a third call; the root's leases
    // let a call that can cross the limit run alone, so the tree ends at most one call (2,000 tokens) past it.
    assert.ok(total >= limit, `the tree spent ${total}, below the limit`);
    assert.ok(total <= limit + 2000, `the tree spent ${total}: more than one call past ${limit}`);
    // Every call the model server answered is in the tree's spend: none ran unaccounted.
    const childCalls = requestsOf(keel.model.requests, 'Work on part 1.').length + requestsOf(keel.model.requests, 'Work on part 2.').length;
    assert.ok(childCalls >= 4, `the children made ${childCalls} calls: they ran at once`);
    assert.equal(requestsOf(keel.model.requests, parentTask).length, 1, 'the parent made no model call past its limit');
    for (const child of state.children) assert.ok(['limit_reached', 'cancelled'].includes(child.status), `${child.id} ended ${child.status}`);
    const limited = (await Promise.all(state.children.map((child) => keel.environment.client.workflow.getHandle(child.id).result() as Promise<SessionResult>))).filter(
      (child) => child.status === 'limit_reached',
    );
    for (const child of limited) assert.equal(child.limit, 'maxTokens');
  });

  test('sub-agents: a grandchild\'s model call reaches the root\'s spend at once, while the middle session waits on it', async () => {
    const rootTask = 'Delegate through a middle agent.';
    const middleTask = 'Delegate once more.';
    const grandTask = 'Do the actual work.';
    scripts[rootTask] = () => spawnReply([middleTask], { tools: ['spawn_agent', 'note'] });
    scripts[middleTask] = () => spawnReply([grandTask]);
    scripts[grandTask] = (request) =>
      callsBefore(request) === 0
        ? { kind: 'message', content: [{ type: 'tool_use', name: 'note', input: { text: 'half way' } }], usage: { input_tokens: 700, output_tokens: 70 } }
        : text('too late', { input_tokens: 1, output_tokens: 1 }, 60_000);
    const handle = await keel.worker.sessions.start({ profile: 'test', tools: ['spawn_agent', 'note'], messages: [{ role: 'user', content: rootTask }] });
    await waitFor('the grandchild\'s second model call', () => requestsOf(keel.model.requests, grandTask).length === 2);
    // The root's call and the middle's (100 input, 20 output tokens each), and the grandchild's first.
    const state = await waitFor('the root to count the grandchild\'s call', async () => {
      const current = await handle.state();
      return current.spend.total.inputTokens === 900 ? current : undefined;
    });
    assert.equal(state.spend.total.outputTokens, 110);
    assert.equal(state.spend.total.calls, 3);
    const middleId = `${handle.workflowId}/agent-1`;
    assert.deepEqual(state.children.map((child) => [child.id, child.status, child.turns, child.usage.inputTokens]), [[middleId, 'running', 1, 800]]);
    const middle = await keel.worker.sessions.getHandle(middleId).state();
    // The middle session made one call and waits on its child: its own next call, the old moment of its report, is not due.
    assert.equal(middle.turn, 1);
    assert.deepEqual(middle.children.map((child) => [child.status, child.turns]), [['running', 1]]);
    await handle.cancel();
    const grandchild = (await keel.environment.client.workflow.getHandle(`${middleId}/agent-1`).result()) as SessionResult;
    assert.equal(grandchild.status, 'cancelled');
  });

  test('sub-agents: the children and their spend carry over when the parent continues as new', async () => {
    const parentTask = 'Delegate, then keep chatting.';
    scripts[parentTask] = (request) => {
      const calls = callsBefore(request);
      if (calls === 0) return spawnReply(['Delegated part.']);
      return text(`reply ${calls}`, { input_tokens: 10, output_tokens: 2 });
    };
    scripts['Delegated part.'] = () => text('delegated done', { input_tokens: 500, output_tokens: 50 });
    const handle = await keel.worker.sessions.start({ profile: 'every2', mode: 'chat', tools: ['spawn_agent'], messages: [{ role: 'user', content: parentTask }] });
    await waitFor('the first turn to end', async () => (await handle.state()).status === 'waiting_for_input');
    const before = await handle.state();
    await handle.sendMessage('and now?');
    await handle.sendMessage('still there?');
    await waitFor('a second run', async () => {
      const description = await handle.workflow.describe();
      return description.runId !== description.raw.workflowExecutionInfo?.firstRunId;
    });
    const after = await handle.state();
    assert.deepEqual(after.children, before.children);
    assert.equal(after.children[0]!.usage.inputTokens, 500);
    // The parent's own three calls and the child's one, across the two runs.
    assert.equal(after.spend.total.calls, before.spend.total.calls + 2);
    assert.equal(after.spend.total.inputTokens, before.spend.total.inputTokens + 20);
    assert.equal(after.spend.byProfile['every2']!.calls, 5);
    await handle.cancel();
  });

  test('sub-agents: cancelling the parent cancels a running child', async () => {
    const handle = await startWithSlowChild('Start a long sub-agent.', 'Think for a minute.');
    await handle.cancel();
    const result = await handle.result();
    assert.equal(result.status, 'cancelled');
    const child = (await keel.environment.client.workflow.getHandle(`${handle.workflowId}/agent-1`).result()) as SessionResult;
    assert.equal(child.status, 'cancelled');
    assert.equal((await handle.state()).children[0]!.status, 'cancelled');
  });

  test('sub-agents: a parent that is terminated has its running child cancelled by the server', async () => {
    const handle = await startWithSlowChild('Start a sub-agent, then be terminated.', 'Outlive your parent.');
    await handle.workflow.terminate('gone');
    const child = (await keel.environment.client.workflow.getHandle(`${handle.workflowId}/agent-1`).result()) as SessionResult;
    assert.equal(child.status, 'cancelled');
  });

  test('sub-agents: a parent that closes without being cancelled (its run timed out) has its running child cancelled, and the child removes its sandbox', async () => {
    // No failure of Keel's own can close a parent while a child runs (spawn_agent turns every child outcome into a
    // tool result; the parent calls no model meanwhile): a run timeout set by the starting client is the failure
    // that can, and like a failed workflow it is a close the parent does not handle, so the server applies the
    // parent close policy. A workflow task failure does not close the parent at all.
    const parentTask = 'Start a sub-agent with a sandbox, then time out.';
    const childTask = 'Write a file, then think for a minute.';
    scripts[parentTask] = () => spawnReply([childTask]);
    scripts[childTask] = (request) =>
      callsBefore(request) === 0
        ? { kind: 'message', content: [{ type: 'tool_use', name: 'write_file', input: { path: 'a.txt', content: 'a' } }], usage: { input_tokens: 10, output_tokens: 5 } }
        : text('too late', { input_tokens: 1, output_tokens: 1 }, 60_000);
    const workflowId = `session-${randomUUID()}`;
    const parent = await keel.environment.client.workflow.start('agentSession', {
      taskQueue: keel.worker.sessions.taskQueue,
      workflowId,
      args: [{ profile: 'test', tools: ['spawn_agent', 'write_file'], messages: [{ role: 'user', content: parentTask }] }],
      workflowRunTimeout: '30s',
    });
    const childId = `${workflowId}/agent-1`;
    const sandbox = join(keel.environment.dataDir, 'sandboxes', sessionKey(childId));
    await waitFor('the child to write its file', () => existsSync(join(sandbox, 'workspace', 'a.txt')), 30_000);
    await waitFor('the child\'s second model call', () => requestsOf(keel.model.requests, childTask).length === 2, 30_000);
    const closed = await parent.result().then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(closed instanceof WorkflowFailedError && closed.cause instanceof TimeoutFailure, `the parent closed with ${String(closed)}`);
    const child = (await keel.environment.client.workflow.getHandle(childId).result()) as SessionResult;
    assert.equal(child.status, 'cancelled');
    assert.equal(existsSync(sandbox), false, 'the child\'s sandbox is left behind');
    const events = (await keel.environment.client.workflow.getHandle(childId).fetchHistory()).events!;
    assert.ok(events.some((event) => event.workflowExecutionCancelRequestedEventAttributes), 'the server asked the child to cancel');
  });

  test('sub-agents: interrupting the parent cancels its running child, whose call comes back as a tool error', async () => {
    const parentTask = 'Start a sub-agent, then be interrupted.';
    let seen: { content: string; isError: boolean }[] = [];
    scripts[parentTask] = (request) => {
      if (callsBefore(request) === 0) return spawnReply(['Take your time.']);
      seen = spawnResults(request);
      return text('understood', { input_tokens: 1, output_tokens: 1 });
    };
    const handle = await startWithSlowChild(parentTask, 'Take your time.');
    await handle.interrupt('stop that');
    const child = (await keel.environment.client.workflow.getHandle(`${handle.workflowId}/agent-1`).result()) as SessionResult;
    assert.equal(child.status, 'cancelled');
    await waitFor('the parent to wait for input', async () => (await handle.state()).status === 'waiting_for_input');
    assert.equal((await handle.state()).children[0]!.status, 'cancelled');
    // The next message's turn shows the model what became of the call.
    await handle.sendMessage('What happened?');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.isError, true);
    assert.match(seen[0]!.content, /cancelled: the parent session was interrupted \(stop that\)/);
    await handle.cancel();
  });

  test('sub-agents: kill -9 of the worker mid-tree loses nothing and repeats no turn', async () => {
    const taskQueue = uniqueTaskQueue('tree-crash');
    const start = () => keel.startWorkerProcess({ taskQueue, env: { KEEL_STICKY_QUEUE_TIMEOUT_SECONDS: '1' } });
    const first = await start();
    const parentTask = 'Split the work and survive.';
    scripts[parentTask] = (request) =>
      callsBefore(request) === 0
        ? spawnReply(['Survive part 1.', 'Survive part 2.'])
        : text(`Survived: ${spawnResults(request).map((result) => result.content).join(' | ')}`, { input_tokens: 10, output_tokens: 5 });
    scripts['Survive part 1.'] = () => text('part 1 done', { input_tokens: 20, output_tokens: 5 }, 3000);
    scripts['Survive part 2.'] = () => text('part 2 done', { input_tokens: 30, output_tokens: 5 }, 3000);
    const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
    const handle = await sessions.start({ profile: 'test', tools: ['spawn_agent'], messages: [{ role: 'user', content: parentTask }] });
    await waitFor(
      'both children to call the model',
      () => requestsOf(keel.model.requests, 'Survive part 1.').length > 0 && requestsOf(keel.model.requests, 'Survive part 2.').length > 0,
      60_000,
    );
    const killed = await first.kill('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    await start();

    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'Survived: part 1 done | part 2 done');
    const assistantTurns = async (id: string) =>
      (await sessions.getHandle(id).fullTranscript()).filter((entry) => entry.kind === 'message' && entry.role === 'assistant').length;
    assert.equal(await assistantTurns(handle.workflowId), 2);
    for (const id of [`${handle.workflowId}/agent-1`, `${handle.workflowId}/agent-2`]) assert.equal(await assistantTurns(id), 1, `${id} repeated a turn`);
    const state = await handle.state();
    assert.deepEqual(state.children.map((child) => [child.status, child.turns]), [['completed', 1], ['completed', 1]]);
    // Spend counts each session's recorded calls once, whatever the lost worker had sent.
    assert.equal(state.spend.total.calls, 4);
  });
});
