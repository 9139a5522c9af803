/**
 * What a session has spent and may still spend: the usage totals the contract shows, the ledger of every model
 * call ({@link SpendLedger}), the soft-limit guard ({@link BudgetGuard}) and the pause it may hold the session in.
 * The limits themselves are the session's (`SessionState.limits`); this holds the money and tokens against them.
 * Pure and deterministic (workflow code).
 */
import type { ModelUsage } from '../shared/schemas/model-call.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';
import type { CarriedSessionState } from '../shared/schemas/session-carry.js';
import type { SessionLimits } from '../shared/schemas/session-input.js';
import type { RaiseBudgetInput, Usage } from '../shared/schemas/session-messages.js';
import type { SoftLimitHit, SpendKind } from '../shared/schemas/spend.js';
import { BudgetGuard } from './budget.js';
import { SpendLedger } from './spend-ledger.js';

/** The spend's share of the carried state (`SessionState.toCarry`). */
export type CarriedSpend = Pick<CarriedSessionState, 'usage' | 'spend' | 'budget' | 'budgetPause'>;

export class SessionSpend {
  /** The totals of {@link ledger}, in the contract's shape. */
  readonly usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0 };
  /** Every model call's tokens and cost. */
  readonly ledger: SpendLedger;
  readonly guard: BudgetGuard;
  /** The soft limit the session waits on in `waiting_for_budget`. */
  pause: SoftLimitHit | undefined;

  /** A new session's spend, or the spend a continued run carries on from. */
  constructor(carried?: CarriedSpend) {
    this.ledger = new SpendLedger(carried?.spend);
    this.guard = new BudgetGuard(carried?.budget);
    if (carried) Object.assign(this.usage, carried.usage);
    this.pause = carried?.budgetPause;
  }

  /** Adds a model call to the ledger, priced by `profile`; `usage` follows the ledger's totals. */
  record(call: { turn: number; kind: SpendKind; profile: ResolvedProfile; usage: ModelUsage }): void {
    this.ledger.record(call);
    const { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, costUsd } = this.ledger.total();
    Object.assign(this.usage, { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, costUsd });
  }

  totalTokens(): number {
    return this.usage.inputTokens + this.usage.outputTokens + this.usage.cacheReadInputTokens + this.usage.cacheCreationInputTokens;
  }

  /** The soft spend limit reached and not yet waved through by `raiseBudget`, if any. */
  softLimitHit(limits: SessionLimits): SoftLimitHit | undefined {
    return this.guard.softLimitHit(limits, { totalTokens: this.totalTokens(), costUsd: this.usage.costUsd });
  }

  /** Applies a `raiseBudget` request to `limits`; returns the new limits. */
  raise(limits: SessionLimits, request: RaiseBudgetInput): SessionLimits {
    return this.guard.raise(limits, request, { totalTokens: this.totalTokens(), costUsd: this.usage.costUsd });
  }

  /** The spend limit (tokens or cost) the next model call would break, if any. */
  exceeded(limits: SessionLimits): 'maxTokens' | 'maxCostUsd' | undefined {
    if (limits.maxTokens !== undefined && this.totalTokens() >= limits.maxTokens) return 'maxTokens';
    if (limits.maxCostUsd !== undefined && this.usage.costUsd >= limits.maxCostUsd) return 'maxCostUsd';
    return undefined;
  }

  toCarry(): CarriedSpend {
    return { usage: { ...this.usage }, spend: this.ledger.snapshot(), budget: this.guard.snapshot(), budgetPause: this.pause && { ...this.pause } };
  }
}
