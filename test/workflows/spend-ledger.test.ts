import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pricingSchema } from '../../src/shared/schemas/profile.js';
import { costNanoUsdOf, MAX_RECENT_ENTRIES, SpendLedger } from '../../src/workflows/spend-ledger.js';

const pricing = pricingSchema.parse({ inputPerMillionUsd: 3, outputPerMillionUsd: 15, cacheReadPerMillionUsd: 0.3, cacheWritePerMillionUsd: 3.75 });
const sonnet = { name: 'primary', model: 'claude-sonnet', pricing };
const haiku = { name: 'backup', model: 'claude-haiku', pricing: pricingSchema.parse({ inputPerMillionUsd: 1, outputPerMillionUsd: 5 }) };
const usage = (inputTokens: number, outputTokens: number, cacheReadInputTokens = 0, cacheCreationInputTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheReadInputTokens,
  cacheCreationInputTokens,
});

describe('spend ledger', () => {
  test('costNanoUsdOf: prices per million tokens, exact to the nano-dollar', () => {
    // 7 * 0.3 is 2.0999999999999996 in floating point; the ledger counts 2100 nano-dollars.
    assert.equal(costNanoUsdOf(usage(0, 0, 7, 0), pricing), 2100);
    assert.equal(costNanoUsdOf(usage(1000, 500, 2000, 400), pricing), 3_000_000 + 7_500_000 + 600_000 + 1_500_000);
  });

  test('SpendLedger: sums per call, per model and in total, exactly as decimals', () => {
    const ledger = new SpendLedger();
    for (let turn = 1; turn <= 10; turn += 1) ledger.record({ turn, kind: 'turn', profile: sonnet, usage: usage(0, 0, 7, 0) });
    ledger.record({ turn: 11, kind: 'compaction', profile: sonnet, usage: usage(100, 10) });
    ledger.record({ turn: 11, kind: 'turn', profile: haiku, usage: usage(1000, 100) });
    const view = ledger.view();
    // Ten calls of 7 cache-read tokens at $0.3/M plus the compaction: 0.000021 + 0.00045 dollars.
    assert.equal(view.byModel['claude-sonnet'].costUsd, 0.000471);
    assert.equal(view.byModel['claude-sonnet'].calls, 11);
    assert.equal(view.byModel['claude-haiku'].costUsd, 0.0015);
    assert.equal(view.total.costUsd, 0.001971);
    assert.equal(view.total.totalTokens, 70 + 110 + 1100);
    assert.deepEqual(view.recent.at(-2), {
      turn: 11,
      kind: 'compaction',
      profile: 'primary',
      model: 'claude-sonnet',
      inputTokens: 100,
      outputTokens: 10,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
      costUsd: 0.00045,
    });
  });

  test('SpendLedger: lists recent calls one by one, keeps older ones in the totals, and continues from a snapshot', () => {
    const ledger = new SpendLedger();
    for (let turn = 1; turn <= MAX_RECENT_ENTRIES + 5; turn += 1) ledger.record({ turn, kind: 'turn', profile: haiku, usage: usage(1, 1) });
    const view = ledger.view();
    assert.equal(view.recent.length, MAX_RECENT_ENTRIES);
    assert.equal(view.recent[0].turn, 6);
    assert.equal(view.olderCalls, 5);
    assert.equal(view.total.calls, MAX_RECENT_ENTRIES + 5);
    const continued = new SpendLedger(JSON.parse(JSON.stringify(ledger.snapshot())));
    continued.record({ turn: 200, kind: 'turn', profile: haiku, usage: usage(1, 1) });
    assert.equal(continued.total().calls, MAX_RECENT_ENTRIES + 6);
    assert.equal(ledger.total().calls, MAX_RECENT_ENTRIES + 5);
  });
});
