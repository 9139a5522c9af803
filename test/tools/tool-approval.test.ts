/**
 * Guardrails: tool calls in `approval.tools` wait for `decideToolCall`, end to end on a real dev server with the
 * real SDK, the scripted model and the real local sandbox.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sessionKey } from '../../src/sandboxes/local/local-sandbox-provider.js';
import type { SessionHandle } from '../../src/client/session-client.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { textReply, toolCallsReply, toolResultsIn } from '../harness/scripted-replies.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor, waitForStatus } from '../harness/wait-for.js';

describe('tool approval', () => {
  const keel = useKeel({ model: {}, worker: { toolHeartbeatTimeoutMs: 5_000 } });
  /** Every session the tests start, for the replay test at the end. */
  const started: SessionHandle[] = [];
  const track = async (handle: Promise<SessionHandle>): Promise<SessionHandle> => {
    started.push(await handle);
    return started.at(-1)!;
  };

  test('decideToolCall: approve, approve with edited input, deny, substitute a result, and a timeout; the model sees each outcome', async () => {
    keel.model.push(
      toolCallsReply(
        { id: 'toolu_approve', name: 'bash', input: { command: 'echo approved' } },
        { id: 'toolu_edit', name: 'bash', input: { command: 'echo original' } },
        { id: 'toolu_deny', name: 'bash', input: { command: 'rm -rf /workspace/*' } },
        { id: 'toolu_substitute', name: 'bash', input: { command: 'curl https://example.com' } },
        { id: 'toolu_timeout', name: 'bash', input: { command: 'echo never' } },
        { id: 'toolu_free', name: 'write_file', input: { path: 'notes.txt', content: 'no approval needed' } },
      ),
      textReply('reviewed'),
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({
      profile: 'test',
      tools: ['bash', 'write_file'],
      approval: { tools: ['bash'] },
      limits: { approvalTimeoutSeconds: 5 },
      messages: [{ role: 'user', content: 'do risky things' }],
    }));
    const waiting = await waitFor('five calls to wait for approval', async () => {
      const state = await handle.state();
      return state.pendingApprovals.length === 5 ? state : undefined;
    });
    assert.equal(waiting.status, 'waiting_for_approval');
    assert.deepEqual(
      waiting.pendingApprovals.map((pending) => [pending.toolUseId, pending.tool, pending.input, pending.requestedAtTurn]),
      [
        ['toolu_approve', 'bash', { command: 'echo approved' }, 1],
        ['toolu_edit', 'bash', { command: 'echo original' }, 1],
        ['toolu_deny', 'bash', { command: 'rm -rf /workspace/*' }, 1],
        ['toolu_substitute', 'bash', { command: 'curl https://example.com' }, 1],
        ['toolu_timeout', 'bash', { command: 'echo never' }, 1],
      ],
    );
    // The call that needs no approval ran meanwhile.
    await waitFor('write_file to run', () => existsSync(join(keel.environment.dataDir, 'sandboxes', sessionKey(handle.workflowId), 'workspace', 'notes.txt')));

    // The validator refuses what cannot be decided; refusals leave no trace in history.
    await assert.rejects(handle.decideToolCall({ toolUseId: 'toolu_nope', approve: true }), { name: 'MessageRejectedError', message: /no tool call toolu_nope is waiting for approval/ });
    await assert.rejects(handle.decideToolCall({ toolUseId: 'toolu_approve', approve: true, result: 'x' }), { name: 'MessageRejectedError', message: /`result` goes with approve: false/ });
    await assert.rejects(handle.decideToolCall({ toolUseId: 'toolu_deny', approve: false, input: {} }), { name: 'MessageRejectedError', message: /`input` goes with approve: true/ });

    const approved = await handle.decideToolCall({ toolUseId: 'toolu_approve', approve: true });
    assert.deepEqual(approved, {
      toolUseId: 'toolu_approve',
      tool: 'bash',
      input: { command: 'echo approved' },
      requestedAtTurn: 1,
      decision: { toolUseId: 'toolu_approve', approve: true },
    });
    await handle.decideToolCall({ toolUseId: 'toolu_edit', approve: true, input: { command: 'echo edited' } });
    await handle.decideToolCall({ toolUseId: 'toolu_deny', approve: false, reason: 'too destructive' });
    await handle.decideToolCall({ toolUseId: 'toolu_substitute', approve: false, result: 'HTTP 200: <html>cached copy</html>', reason: 'no network; here is a copy' });
    await assert.rejects(handle.decideToolCall({ toolUseId: 'toolu_approve', approve: false }), { name: 'MessageRejectedError', message: /already decided \(approved\)/ });
    const remaining = await handle.state();
    assert.deepEqual(remaining.pendingApprovals.map((pending) => pending.toolUseId), ['toolu_timeout']);
    assert.equal(remaining.status, 'waiting_for_approval');

    const result = await handle.result();
    assert.equal(result.status, 'completed');
    await assert.rejects(handle.decideToolCall({ toolUseId: 'toolu_timeout', approve: true }), /already decided|completed|not found/i);

    const seen = toolResultsIn(keel.model.requests[requestsBefore + 1]!);
    assert.deepEqual(seen.get('toolu_approve'), { content: 'exit code: 0\nstdout:\napproved', isError: false });
    assert.deepEqual(seen.get('toolu_edit'), {
      content: '[a reviewer approved this call with edited input: {"command":"echo edited"}]\nexit code: 0\nstdout:\nedited',
      isError: false,
    });
    assert.deepEqual(seen.get('toolu_deny'), { content: 'not run: a reviewer denied this call: too destructive', isError: true });
    assert.deepEqual(seen.get('toolu_substitute'), { content: 'HTTP 200: <html>cached copy</html>', isError: false });
    assert.deepEqual(seen.get('toolu_timeout'), { content: 'not run: no reviewer decided on this call within 5 s, so it counts as denied', isError: true });
    assert.deepEqual(seen.get('toolu_free'), { content: 'wrote 18 bytes to notes.txt', isError: false });

    // Each decision is in the transcript and, as an accepted update, in history.
    const decisions = (await handle.fullTranscript()).flatMap((entry) => (entry.kind === 'marker' && entry.marker === 'tool-decision' ? [entry.detail] : []));
    assert.deepEqual(decisions.sort(), [
      'bash toolu_approve: approved',
      'bash toolu_deny: denied: too destructive',
      'bash toolu_edit: approved with edited input {"command":"echo edited"}',
      'bash toolu_substitute: denied, result substituted (no network; here is a copy)',
      'bash toolu_timeout: no decision within 5 s, denied',
    ]);
    const events = (await handle.workflow.fetchHistory()).events!;
    const accepted = events.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).map((event) => event.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.name);
    assert.deepEqual(accepted, ['decideToolCall', 'decideToolCall', 'decideToolCall', 'decideToolCall']);
  });

  test('interrupt: calls waiting for approval are not run and the session waits for the next message', async () => {
    keel.model.push(toolCallsReply({ id: 'toolu_held', name: 'bash', input: { command: 'echo held' } }));
    const handle = await track(keel.worker.sessions.start({ profile: 'test', mode: 'chat', tools: ['bash'], approval: { tools: ['bash'] }, messages: [{ role: 'user', content: 'go' }] }));
    await waitForStatus(handle, 'waiting_for_approval', 'the call to wait for approval');
    await handle.interrupt('changed my mind');
    await waitForStatus(handle, 'waiting_for_input', 'the session to wait for input');
    assert.deepEqual((await handle.state()).pendingApprovals, []);
    keel.model.push(textReply('understood'));
    const reply = await handle.sendMessage('never mind');
    assert.equal(reply.text, 'understood');
    const held = toolResultsIn(keel.model.requests.at(-1)!);
    // The tool results lead the user message that follows them.
    assert.deepEqual(held.get('toolu_held'), { content: 'not run: the user interrupted the turn (changed my mind)', isError: true });
    await handle.cancel();
    assert.equal((await handle.result()).status, 'cancelled');
  });

  test('cancel: a session cancelled while a call waits for approval ends cancelled and its sandbox is removed', async () => {
    keel.model.push(toolCallsReply({ id: 'toolu_file', name: 'write_file', input: { path: 'a.txt', content: 'a' } }, { id: 'toolu_wait', name: 'bash', input: { command: 'echo x' } }));
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['bash', 'write_file'], approval: { tools: ['bash'] }, messages: [{ role: 'user', content: 'go' }] }));
    const directory = join(keel.environment.dataDir, 'sandboxes', sessionKey(handle.workflowId));
    await waitForStatus(handle, 'waiting_for_approval', 'the call to wait for approval');
    await waitFor('the sandbox to exist', () => existsSync(join(directory, 'workspace', 'a.txt')));
    await handle.cancel();
    assert.equal((await handle.result()).status, 'cancelled');
    assert.equal(existsSync(directory), false);
    const events = (await handle.workflow.fetchHistory()).events!;
    const activities = events.flatMap((event) => (event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes.activityType!.name] : []));
    assert.equal(activities.at(-1), 'destroySandbox');
  });

  test('replay: the histories of these sessions with approvals replay with the current workflow code', async () => {
    assert.ok(started.length >= 3);
    await Promise.all(started.map((handle) => handle.result().catch(() => undefined)));
    await assertHistoriesReplay(keel.environment.bundle, started);
  });
});
