/**
 * The state a run carries into the next (`sessionCarrySchema`) is parsed whole and strictly: a carry recorded by a
 * real continue-as-new parses; one whose profile lacks fields is refused naming them, so it fails the run at once
 * instead of every workflow task after it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { describeIssues } from '../../src/shared/schemas/describe-issues.js';
import { sessionCarrySchema } from '../../src/shared/schemas/session-carry.js';

/** The carry of the recorded continue-as-new fixture: the second argument of its second run's start. */
function recordedCarry(): Record<string, unknown> {
  const history = JSON.parse(readFileSync(new URL('../fixtures/histories/continue-as-new.json', import.meta.url), 'utf8')) as {
    events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: Array<{ data: string }> } } }>;
  };
  const payload = history.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[1]!;
  return JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as Record<string, unknown>;
}

describe('session carry', () => {
  test('session carry: a carry recorded by a real continue-as-new parses, its profile whole', () => {
    const parsed = sessionCarrySchema.safeParse(recordedCarry());
    assert.ok(parsed.success, parsed.success ? '' : describeIssues(parsed.error));
    assert.equal(parsed.data.state.profile.name, 'every2');
    assert.equal(typeof parsed.data.state.profile.modelCall.heartbeatTimeoutSeconds, 'number');
  });

  test('session carry: a partial profile, an untyped ledger, an unknown part or a foreign field in a part is refused, naming the field', () => {
    const carry = recordedCarry();
    const state = carry.state as Record<string, unknown>;
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['a partial profile', { ...carry, state: { ...state, profile: { name: 'test', model: 'claude-test-1', pricing: 'free' } } }, /state\.profile\.pricing/],
      ['a ledger without totals', { ...carry, state: { ...state, spend: { byModel: {}, recent: [] } } }, /state\.spend\.total/],
      ['another part\'s state', { ...carry, sandboxOfAnotherSession: { id: 'x' } }, /sandboxOfAnotherSession/],
      ['a tools part with a foreign field', { ...carry, tools: { sandbox: undefined, network: true } }, /tools/],
      ['a transcript entry of no known kind', { ...carry, transcript: { total: 1, segments: [], tail: [{ kind: 'script' }] } }, /transcript\.tail\.0/],
    ];
    for (const [what, candidate, field] of cases) {
      const parsed = sessionCarrySchema.safeParse(candidate);
      assert.equal(parsed.success, false, `${what} was accepted`);
      assert.match(describeIssues(parsed.error!), field, what);
    }
  });
});
