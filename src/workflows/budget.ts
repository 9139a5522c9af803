/**
 * Soft spend limits. A session whose real usage reaches `softLimitFraction` of `maxTokens` or `maxCostUsd` pauses
 * in `waiting_for_budget` until a `raiseBudget` update lifts the pause; the hard limits themselves are checked
 * before every model call (`SessionState.exceededLimitBeforeCall`). Pure and deterministic (workflow code).
 */
import type { SessionLimits } from '../shared/schemas/session-input.js';
import type { RaiseBudgetInput } from '../shared/schemas/session-messages.js';
import type { BudgetLimit, SoftLimitHit } from '../shared/schemas/spend.js';

export type { BudgetLimit, SoftLimitHit };

/** What the session has spent so far. */
export interface BudgetUsage {
  totalTokens: number;
  costUsd: number;
}

/** The guard's data, JSON-serialisable (continue-as-new carries it). */
export interface BudgetSnapshot {
  /** Per limit, the value whose soft limit a `raiseBudget` waved through. */
  acknowledged: Partial<Record<BudgetLimit, number>>;
}

const budgetLimits: readonly BudgetLimit[] = ['maxTokens', 'maxCostUsd'];

function usedFor(limit: BudgetLimit, usage: BudgetUsage): number {
  return limit === 'maxTokens' ? usage.totalTokens : usage.costUsd;
}

/**
 * Why a `raiseBudget` request is refused, or undefined when it is acceptable. It may only raise: a value below the
 * current limit is refused, naming the field.
 */
export function refuseRaise(limits: SessionLimits, request: RaiseBudgetInput): string | undefined {
  for (const limit of budgetLimits) {
    const requested = request[limit];
    const current = limits[limit];
    if (requested !== undefined && current !== undefined && requested < current) {
      return `${limit}: ${requested} is below the current limit ${current}; raiseBudget only raises`;
    }
  }
  return undefined;
}

export class BudgetGuard {
  readonly #acknowledged: Partial<Record<BudgetLimit, number>>;

  constructor(snapshot?: BudgetSnapshot) {
    this.#acknowledged = { ...(snapshot?.acknowledged ?? {}) };
  }

  /** The first soft limit reached and not yet waved through, if any. */
  softLimitHit(limits: SessionLimits, usage: BudgetUsage): SoftLimitHit | undefined {
    const fraction = limits.softLimitFraction;
    if (fraction === undefined) return undefined;
    for (const limit of budgetLimits) {
      const hardLimit = limits[limit];
      if (hardLimit === undefined || this.#acknowledged[limit] === hardLimit) continue;
      const softLimit = hardLimit * fraction;
      const used = usedFor(limit, usage);
      if (used >= softLimit) return { limit, softLimit, used, hardLimit };
    }
    return undefined;
  }

  /**
   * Applies a `raiseBudget` request and returns the new limits. Every soft limit the session is already past under
   * the new limits is waved through, so a raise always lifts a pause; a soft limit the session is still below
   * stays armed and pauses it again when reached.
   */
  raise(limits: SessionLimits, request: RaiseBudgetInput, usage: BudgetUsage): SessionLimits {
    const raised: SessionLimits = { ...limits };
    for (const limit of budgetLimits) {
      if (request[limit] !== undefined) raised[limit] = request[limit];
    }
    const fraction = raised.softLimitFraction;
    for (const limit of budgetLimits) {
      const hardLimit = raised[limit];
      if (fraction === undefined || hardLimit === undefined) continue;
      if (usedFor(limit, usage) >= hardLimit * fraction) this.#acknowledged[limit] = hardLimit;
    }
    return raised;
  }

  snapshot(): BudgetSnapshot {
    return { acknowledged: { ...this.#acknowledged } };
  }
}
