import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BudgetGuard, refuseRaise } from '../../src/workflows/budget.js';

describe('budget', () => {
  test('softLimitHit: none without a fraction; else the first limit whose soft share is used', () => {
    const guard = new BudgetGuard();
    assert.equal(guard.softLimitHit({ maxCostUsd: 1 }, { totalTokens: 0, costUsd: 0.99 }), undefined);
    assert.equal(guard.softLimitHit({ maxCostUsd: 1, softLimitFraction: 0.5 }, { totalTokens: 0, costUsd: 0.49 }), undefined);
    assert.deepEqual(guard.softLimitHit({ maxCostUsd: 1, softLimitFraction: 0.5 }, { totalTokens: 0, costUsd: 0.5 }), {
      limit: 'maxCostUsd',
      softLimit: 0.5,
      used: 0.5,
      hardLimit: 1,
    });
    assert.equal(guard.softLimitHit({ maxTokens: 1000, maxCostUsd: 1, softLimitFraction: 0.8 }, { totalTokens: 800, costUsd: 0.9 })?.limit, 'maxTokens');
  });

  test('raise: lifts a pause even without new values; the hard limit stays', () => {
    const guard = new BudgetGuard();
    const limits = { maxCostUsd: 1, softLimitFraction: 0.5 };
    const usage = { totalTokens: 0, costUsd: 0.6 };
    assert.ok(guard.softLimitHit(limits, usage));
    const raised = guard.raise(limits, {}, usage);
    assert.deepEqual(raised, limits);
    assert.equal(guard.softLimitHit(raised, { totalTokens: 0, costUsd: 0.99 }), undefined);
  });

  test('raise: a raised limit re-arms its soft limit when the session is still below it', () => {
    const guard = new BudgetGuard();
    const usage = { totalTokens: 600, costUsd: 0 };
    const raised = guard.raise({ maxTokens: 1000, softLimitFraction: 0.5 }, { maxTokens: 2000 }, usage);
    assert.equal(raised.maxTokens, 2000);
    assert.equal(guard.softLimitHit(raised, usage), undefined);
    assert.equal(guard.softLimitHit(raised, { totalTokens: 1000, costUsd: 0 })?.softLimit, 1000);
    const continued = new BudgetGuard(JSON.parse(JSON.stringify(guard.snapshot())));
    assert.equal(continued.softLimitHit(raised, { totalTokens: 1000, costUsd: 0 })?.limit, 'maxTokens');
  });

  test('refuseRaise: only raises, naming the field', () => {
    assert.equal(refuseRaise({ maxCostUsd: 1 }, { maxCostUsd: 2 }), undefined);
    assert.equal(refuseRaise({}, { maxTokens: 5 }), undefined);
    assert.match(refuseRaise({ maxTokens: 1000 }, { maxTokens: 10 }) ?? '', /^maxTokens: 10 is below the current limit 1000/);
  });
});
