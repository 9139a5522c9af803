import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { transcriptText } from '../../src/eval/transcript-text.js';
import type { TranscriptEntry } from '../../src/shared/schemas/session-messages.js';

const message = (role: 'user' | 'assistant', content: Extract<TranscriptEntry, { kind: 'message' }>['content'], turn = 1): TranscriptEntry => ({ kind: 'message', role, content, turn, epoch: 0 });

describe('transcript text', () => {
  test('transcriptText: messages as role and text, tool calls and results as short bracketed lines, markers by name', () => {
    const text = transcriptText([
      message('user', 'list the files'),
      message('assistant', [
        { type: 'text', text: 'Looking.' },
        { type: 'tool_use', id: 't1', name: 'bash', input: { command: 'ls' } },
      ]),
      message('user', [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'a.txt' }], is_error: true }]),
      { kind: 'marker', marker: 'context-reset', turn: 2, epoch: 1, detail: 'start over' },
      message('assistant', [{ type: 'tool_result', tool_use_id: 't2', content: 'x'.repeat(1000) }]),
    ]);
    const [opening, call, result, marker, long] = text.split('\n\n');
    assert.equal(opening, 'user: list the files');
    assert.equal(call, 'assistant: Looking.\n[tool call bash {"command":"ls"}]');
    assert.equal(result, 'user: [tool result (error): a.txt]');
    assert.equal(marker, '[context-reset: start over]');
    assert.equal(long, `assistant: [tool result: ${'x'.repeat(400)}...]`);
  });

  test('transcriptText: a long transcript keeps its head and its tail within the bound, saying how much was left out', () => {
    const entries = Array.from({ length: 200 }, (_, index) => message(index % 2 === 0 ? 'user' : 'assistant', `message ${index} ${'words '.repeat(40)}`));
    const text = transcriptText(entries, 5_000);
    assert.ok(text.length <= 5_000, String(text.length));
    assert.ok(text.startsWith('user: message 0 '));
    assert.ok(text.endsWith(`message 199 ${'words '.repeat(40)}`));
    assert.match(text, /\[\.\.\. \d+ characters left out \.\.\.\]/);
    assert.equal(transcriptText(entries.slice(0, 2), 5_000).includes('left out'), false);
  });
});
