import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeCurrentDetails, describeLastStep } from '../../src/workflows/current-details.js';

describe('current details', () => {
  test('describeLastStep: tool calls by name, replies and messages by their first line, results with their errors, markers', () => {
    assert.equal(describeLastStep(undefined), undefined);
    assert.equal(
      describeLastStep({ kind: 'message', role: 'assistant', turn: 2, epoch: 0, content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 't1', name: 'bash', input: {} }, { type: 'tool_use', id: 't2', name: 'read_file', input: {} }] }),
      'the model asked for bash, read_file',
    );
    assert.equal(describeLastStep({ kind: 'message', role: 'assistant', turn: 1, epoch: 0, content: [{ type: 'text', text: '\nAll done.\nDetails follow.' }] }), 'the model replied "All done."');
    assert.equal(
      describeLastStep({ kind: 'message', role: 'user', turn: 1, epoch: 0, content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }, { type: 'tool_result', tool_use_id: 't2', content: 'no', is_error: true }] }),
      '2 tool results (1 error)',
    );
    assert.equal(describeLastStep({ kind: 'message', role: 'user', turn: 0, epoch: 0, content: 'x'.repeat(100) }), `user message "${'x'.repeat(77)}..."`);
    assert.equal(describeLastStep({ kind: 'marker', marker: 'context-reset', turn: 3, epoch: 1, detail: 'compacted' }), 'context reset: "compacted"');
  });

  test('describeCurrentDetails: the headline, then the last step on its own line', () => {
    assert.equal(
      describeCurrentDetails({ status: 'waiting_for_approval', turn: 1, tokens: 42, costUsd: 0.00012, profile: 'default', lastEntry: { kind: 'message', role: 'assistant', turn: 1, epoch: 0, content: [{ type: 'tool_use', id: 't', name: 'bash', input: {} }] } }),
      '**waiting_for_approval**, turn 1, 42 tokens, $0.0001 (profile default)\n\nlast step: the model asked for bash',
    );
  });
});
