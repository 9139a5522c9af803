/**
 * What the `state` query tells about spend: the ledger of model calls and a soft-limit pause. Bundle-safe; the
 * rules live in `src/workflows/spend-ledger.ts` and `src/workflows/budget.ts`.
 */

/** What a model call was for: a turn of the conversation, or the summary of a context compaction. */
export type SpendKind = 'turn' | 'compaction';

/** One model call's spend. */
export interface SpendEntry {
  /** The turn the call belongs to (a compaction belongs to the turn it precedes). */
  turn: number;
  kind: SpendKind;
  profile: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  costUsd: number;
}

/** Sums over a set of calls. `totalTokens` counts input, output, cache read and cache write tokens. */
export interface SpendTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  totalTokens: number;
  costUsd: number;
}

/** The spend ledger as the `state` query shows it. */
export interface SpendLedgerView {
  total: SpendTotals;
  /** Keyed by model id. */
  byModel: Record<string, SpendTotals>;
  /** The most recent calls, oldest first (at most 100). */
  recent: SpendEntry[];
  /** Calls older than `recent` (still in the totals). */
  olderCalls: number;
}

/** The limits that spend is measured against. */
export type BudgetLimit = 'maxTokens' | 'maxCostUsd';

/** A soft limit the session has reached: which, where it lies, what was used, and the hard limit above it. */
export interface SoftLimitHit {
  limit: BudgetLimit;
  softLimit: number;
  used: number;
  hardLimit: number;
}
