import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planFork } from '../../src/client/fork-session.js';
import { diffTranscripts } from '../../src/client/transcript-diff.js';
import { sessionInputSchema } from '../../src/shared/schemas/session-input.js';
import type { TranscriptEntry } from '../../src/shared/schemas/session-messages.js';

const source = sessionInputSchema.parse({ profile: 'test', mode: 'task', tools: ['bash'], messages: [{ role: 'user', content: 'start' }] });
type MessageContent = Extract<TranscriptEntry, { kind: 'message' }>['content'];
const message = (role: 'user' | 'assistant', content: MessageContent, turn: number, epoch = 0): TranscriptEntry => ({
  kind: 'message',
  role,
  content,
  turn,
  epoch,
});

describe('fork plan', () => {
  test('planFork: keeps the messages through the turn, answers tool calls left open at the cut, records where it came from', () => {
    const transcript: TranscriptEntry[] = [
      message('user', 'start', 0),
      message('assistant', [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } }], 1),
      message('user', [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }], 1),
      message('assistant', [{ type: 'text', text: 'checking' }, { type: 'tool_use', id: 'toolu_2', name: 'bash', input: { command: 'cat a.txt' } }], 2),
    ];
    const plan = planFork(source, transcript, { atTurn: 2, profile: 'other', sourceWorkflowId: 'session-a' });
    assert.equal(plan.input.profile, 'other');
    assert.deepEqual(plan.input.tools, ['bash']);
    assert.deepEqual(plan.input.metadata, { forkedFrom: 'session-a', forkedAtTurn: '2' });
    assert.deepEqual(plan.unansweredToolCalls, ['toolu_2']);
    assert.equal(plan.input.messages.length, 5);
    assert.deepEqual(plan.input.messages.at(-1), {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'not run: the session was forked before this tool call finished', is_error: true }],
    });
    assert.equal(planFork(source, transcript, { atTurn: 1, sourceWorkflowId: 'session-a' }).input.messages.length, 3);
    assert.throws(() => planFork(source, transcript, { atTurn: 3, sourceWorkflowId: 'session-a' }), /the session has turns 0 to 2/);
  });

  test('planFork: the fork starts from the last sandbox snapshot at or before the cut; a missing one means an empty sandbox, never stale files', () => {
    const transcript: TranscriptEntry[] = [message('user', 'start', 0), message('assistant', 'a', 1), message('user', 'b', 1), message('assistant', 'c', 2), message('user', 'd', 2), message('assistant', 'e', 3)];
    const snapshots = [
      { turn: 1, snapshotId: 's-turn-1' },
      { turn: 3, missing: 'the session\'s files are over the 256 MiB snapshot limit' },
    ];
    const atTwo = planFork(source, transcript, { atTurn: 2, sourceWorkflowId: 's', snapshots });
    assert.deepEqual(atTwo.snapshot, { turn: 1, snapshotId: 's-turn-1' });
    assert.deepEqual(atTwo.input.sandbox, { provider: 'local', fromSnapshot: 's-turn-1' });
    const atThree = planFork(source, transcript, { atTurn: 3, sourceWorkflowId: 's', snapshots });
    assert.equal(atThree.snapshot, undefined);
    assert.equal(atThree.input.sandbox, undefined);
    assert.equal(atThree.snapshotMissing?.turn, 3);
    assert.equal(planFork(source, transcript, { atTurn: 0, sourceWorkflowId: 's', snapshots }).input.sandbox, undefined);
  });

  test('planFork: after a context reset the fork starts from what the model last saw, saying how much it left out', () => {
    const transcript: TranscriptEntry[] = [
      message('user', 'old task', 0),
      message('assistant', 'old answer', 1),
      { kind: 'marker', marker: 'context-reset', turn: 1, epoch: 1, detail: 'clear' },
      message('user', 'new task', 1, 1),
      message('assistant', 'new answer', 2, 1),
    ];
    const plan = planFork(source, transcript, { atTurn: 2, sourceWorkflowId: 'session-a' });
    assert.deepEqual(plan.input.messages, [
      { role: 'user', content: 'new task' },
      { role: 'assistant', content: 'new answer' },
    ]);
    assert.equal(plan.droppedForReset, 2);
  });

  test('diffTranscripts: entries compare by what the model saw, not by turn or epoch; a string equals a lone text block', () => {
    const a: TranscriptEntry[] = [message('user', 'hi', 0), message('assistant', [{ type: 'text', text: 'hello' }], 1), message('assistant', 'x', 2)];
    const b: TranscriptEntry[] = [message('user', [{ type: 'text', text: 'hi' }], 0, 3), message('assistant', 'hello', 0), message('assistant', 'y', 1)];
    const diff = diffTranscripts(a, b);
    assert.equal(diff.common, 2);
    assert.equal(diff.aRest.length, 1);
    assert.equal(diff.bRest.length, 1);
    assert.equal(diffTranscripts(a, a.slice(0, 1)).common, 1);
  });

  test("diffTranscripts: a session's continued-as-new markers are not conversation; a fork without them parts where the conversation does", () => {
    const switched: TranscriptEntry = { kind: 'marker', marker: 'continued-as-new', turn: 1, epoch: 0, detail: 'run 2 begins: ...' };
    const source: TranscriptEntry[] = [message('user', 'hi', 0), message('assistant', 'hello', 1), switched, message('user', 'more', 1), message('assistant', 'x', 2)];
    const fork: TranscriptEntry[] = [message('user', 'hi', 0), message('assistant', 'hello', 1), message('user', 'more', 1), message('assistant', 'y', 2)];
    const diff = diffTranscripts(source, fork);
    assert.equal(diff.common, 3);
    assert.deepEqual(diff.shared.map((entry) => entry.kind), ['message', 'message', 'message']);
    assert.deepEqual([diff.aRest.length, diff.bRest.length], [1, 1]);
    // Other markers still count: a context reset is part of what the model saw next.
    const reset: TranscriptEntry = { kind: 'marker', marker: 'context-reset', turn: 1, epoch: 0 };
    assert.equal(diffTranscripts([...source.slice(0, 2), reset], fork).common, 2);
  });
});
