import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ToolUseBlock } from '../../src/shared/schemas/content.js';
import type { ResolvedTool } from '../../src/shared/schemas/tools.js';
import { describeOutcome, ToolApprovals } from '../../src/workflows/tool-approvals.js';
import { describeActivityFailure, outputForUnapproved, planToolCalls, toolResultBlock, withEditedInputNote } from '../../src/workflows/tool-calls.js';

const tool = (name: string, overrides: Partial<ResolvedTool> = {}): ResolvedTool => ({
  name,
  description: name,
  inputSchema: { type: 'object' },
  usesSandbox: true,
  timeoutMs: 60_000,
  heartbeatTimeoutMs: 20_000,
  retry: { maximumAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 10_000 },
  safeToRetry: false,
  ...overrides,
});
const call = (id: string, name: string, input: unknown = {}): ToolUseBlock => ({ type: 'tool_use', id, name, input });

describe('tool calls', () => {
  test('planToolCalls: runs known tools, holds approval tools and refuses unknown ones, in the model\'s order', () => {
    const tools = new Map([['bash', tool('bash')], ['read_file', tool('read_file')]]);
    const plan = planToolCalls([call('a', 'read_file'), call('b', 'bash'), call('c', 'rm_rf')], { tools, approvalTools: new Set(['bash']) });
    assert.deepEqual(plan.map((planned) => [planned.call.id, planned.action]), [['a', 'run'], ['b', 'await-approval'], ['c', 'refuse']]);
    const refused = plan[2]!;
    assert.deepEqual(refused.action === 'refuse' && refused.output, { content: 'unknown tool "rm_rf"; the tools of this session are: bash, read_file', isError: true });
    const none = planToolCalls([call('d', 'bash')], { tools: new Map(), approvalTools: new Set() })[0]!;
    assert.deepEqual(none.action === 'refuse' && none.output.content, 'unknown tool "bash": no tools are enabled in this session');
  });

  test('toolResultBlock: flags errors only when there is one', () => {
    assert.deepEqual(toolResultBlock(call('a', 'x'), { content: 'ok', isError: false }), { type: 'tool_result', tool_use_id: 'a', content: 'ok' });
    assert.deepEqual(toolResultBlock(call('a', 'x'), { content: 'no', isError: true }), { type: 'tool_result', tool_use_id: 'a', content: 'no', is_error: true });
  });

  test('outputForUnapproved: a denial, a timeout and an interrupt are errors with a reason; a substituted result is not', () => {
    assert.deepEqual(outputForUnapproved({ kind: 'denied', reason: 'no' }), { content: 'not run: a reviewer denied this call: no', isError: true });
    assert.deepEqual(outputForUnapproved({ kind: 'denied' }), { content: 'not run: a reviewer denied this call', isError: true });
    assert.deepEqual(outputForUnapproved({ kind: 'substituted', result: '42' }), { content: '42', isError: false });
    assert.match(outputForUnapproved({ kind: 'timed-out', afterSeconds: 30 }).content, /within 30 s, so it counts as denied/);
    assert.deepEqual(outputForUnapproved({ kind: 'interrupted', reason: 'stop' }), { content: 'not run: the user interrupted the turn (stop)', isError: true });
    assert.deepEqual(withEditedInputNote({ content: 'out', isError: false }, { a: 1 }), { content: '[a reviewer approved this call with edited input: {"a":1}]\nout', isError: false });
  });

  test('describeActivityFailure: names heartbeat and start-to-close timeouts and keeps other failures\' messages and types', () => {
    const timeout = (timeoutType: string) => Object.assign(new Error('activity timeout'), { name: 'TimeoutFailure', timeoutType });
    const activityFailure = (cause: Error) => Object.assign(new Error('Activity task failed'), { name: 'ActivityFailure', cause });
    const bash = tool('bash', { heartbeatTimeoutMs: 2_000, timeoutMs: 630_000 });
    assert.match(describeActivityFailure(activityFailure(timeout('HEARTBEAT')), bash), /stopped responding \(no heartbeat for 2 s\)/);
    assert.equal(describeActivityFailure(activityFailure(timeout('START_TO_CLOSE')), bash), 'it did not finish within 630 s');
    const application = Object.assign(new Error('sandbox gone'), { name: 'ApplicationFailure', type: 'Sandbox.NotFound' });
    assert.equal(describeActivityFailure(activityFailure(application), bash), 'sandbox gone (Sandbox.NotFound)');
  });
});

describe('tool approvals', () => {
  test('ToolApprovals: lists pending calls, records each kind of decision, and refuses a second or unknown decision', () => {
    const approvals = new ToolApprovals();
    for (const id of ['a', 'b', 'c', 'd', 'e']) approvals.request(call(id, 'bash', { command: id }), 3);
    assert.deepEqual(approvals.pending().map((pending) => pending.toolUseId), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(approvals.pending()[0], { toolUseId: 'a', tool: 'bash', input: { command: 'a' }, requestedAtTurn: 3 });

    assert.equal(approvals.rejectionOf({ toolUseId: 'a', approve: true }), undefined);
    assert.match(approvals.rejectionOf({ toolUseId: 'zz', approve: true })!, /no tool call zz is waiting for approval \(waiting: a, b, c, d, e\)/);
    assert.match(approvals.rejectionOf({ toolUseId: 'a' })!, /invalid decision: approve/);
    assert.match(approvals.rejectionOf({ toolUseId: 'a', approve: true, result: 'r' })!, /`result` goes with approve: false/);
    assert.match(approvals.rejectionOf({ toolUseId: 'a', approve: false, input: {} })!, /`input` goes with approve: true/);

    assert.deepEqual(approvals.decide({ toolUseId: 'a', approve: true }).decision, { toolUseId: 'a', approve: true });
    approvals.decide({ toolUseId: 'b', approve: true, input: { command: 'safer' } });
    approvals.decide({ toolUseId: 'c', approve: false, reason: 'no' });
    approvals.decide({ toolUseId: 'd', approve: false, result: 'pretend' });
    approvals.close('e', { kind: 'timed-out', afterSeconds: 5 });
    assert.equal(approvals.hasPending(), false);
    assert.deepEqual(approvals.outcomeOf('a'), { kind: 'approved', input: { command: 'a' }, edited: false });
    assert.deepEqual(approvals.outcomeOf('b'), { kind: 'approved', input: { command: 'safer' }, edited: true });
    assert.deepEqual(approvals.outcomeOf('c'), { kind: 'denied', reason: 'no' });
    assert.deepEqual(approvals.outcomeOf('d'), { kind: 'substituted', result: 'pretend' });
    assert.match(approvals.rejectionOf({ toolUseId: 'a', approve: false })!, /already decided \(approved\)/);
    assert.match(approvals.rejectionOf({ toolUseId: 'e', approve: true })!, /already decided \(timed-out\)/);
    assert.throws(() => approvals.decide({ toolUseId: 'e', approve: true }), { name: 'ApplicationFailure' });
  });

  test('describeOutcome: one line per decision for the transcript', () => {
    const subject = call('toolu_1', 'bash');
    assert.equal(describeOutcome(subject, { kind: 'approved', input: {}, edited: false }), 'bash toolu_1: approved');
    assert.equal(describeOutcome(subject, { kind: 'approved', input: { command: 'ls' }, edited: true }), 'bash toolu_1: approved with edited input {"command":"ls"}');
    assert.equal(describeOutcome(subject, { kind: 'denied', reason: 'risky' }), 'bash toolu_1: denied: risky');
    assert.equal(describeOutcome(subject, { kind: 'substituted', result: 'x' }), 'bash toolu_1: denied, result substituted');
    assert.equal(describeOutcome(subject, { kind: 'timed-out', afterSeconds: 5 }), 'bash toolu_1: no decision within 5 s, denied');
  });
});
