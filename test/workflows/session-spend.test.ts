/**
 * A session's spend with its sub-agents': reports that arrive late, and the room a budget lease counts on (the
 * largest call seen in the tree). Pure workflow code, no server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pricingSchema, type ResolvedProfile } from '../../src/shared/schemas/profile.js';
import { SessionSpend } from '../../src/workflows/session-spend.js';
import { SpendLedger, type NanoSpend } from '../../src/workflows/spend-ledger.js';

// $1 and $10 per million input and output tokens.
const profile = { name: 'test', model: 'claude-test-1', pricing: pricingSchema.parse({ inputPerMillionUsd: 1, outputPerMillionUsd: 10 }) } as ResolvedProfile;
const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 });

/** A sub-agent's cumulative spend after calls of these sizes (input, output). */
function childSpend(...calls: Array<[number, number]>): NanoSpend {
  const ledger = new SpendLedger();
  calls.forEach(([input, output], index) => ledger.record({ turn: index + 1, kind: 'turn', profile, usage: usage(input, output) }));
  return ledger.spend();
}

describe('session spend', () => {
  test('SessionSpend: a sub-agent report that arrives after a newer one (fewer calls) does not replace it', () => {
    const spend = new SessionSpend();
    spend.childSpent('s/agent-1', childSpend([100, 10], [200, 20]));
    spend.childSpent('s/agent-1', childSpend([100, 10]));
    assert.equal(spend.childUsage('s/agent-1').inputTokens, 300);
    assert.equal(spend.totalTokens(), 330);
  });

  test('SessionSpend.roomFor: calls in flight are counted at the largest call seen in the tree, the session\'s own or a sub-agent\'s', () => {
    const spend = new SessionSpend();
    spend.record({ turn: 1, kind: 'turn', profile, usage: usage(90, 10) });
    const limits = { maxTokens: 1_000 };
    // 100 spent, calls of 100: eight more fit below 1,000, nine do not.
    assert.equal(spend.roomFor(limits, 8), true);
    assert.equal(spend.roomFor(limits, 9), false);
    // A sub-agent's report that adds 300 tokens makes that the size of a call: 400 spent, one more fits, two do not.
    spend.childSpent('s/agent-1', childSpend([250, 50]));
    assert.equal(spend.roomFor(limits, 1), true);
    assert.equal(spend.roomFor(limits, 2), false);
    // Cost counts the same way: 340 input and 60 output tokens cost $0.00094; calls of $0.00075 ($0.00025 + $0.0005).
    assert.equal(spend.roomFor({ maxCostUsd: 0.0024 }, 1), true);
    assert.equal(spend.roomFor({ maxCostUsd: 0.0024 }, 2), false);
    assert.equal(spend.roomFor({}, 1_000), true);
  });

  test('SessionSpend: a continued run knows the largest call from the ledger it carries', () => {
    const spend = new SessionSpend();
    spend.record({ turn: 1, kind: 'turn', profile, usage: usage(450, 50) });
    const continued = new SessionSpend(spend.toCarry());
    assert.equal(continued.roomFor({ maxTokens: 1_600 }, 2), true);
    assert.equal(continued.roomFor({ maxTokens: 1_500 }, 2), false);
  });
});
