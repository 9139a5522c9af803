/**
 * What the `state` query tells about spend: the ledger of model calls and a soft-limit pause. Bundle-safe; the
 * rules live in `src/workflows/spend-ledger.ts` and `src/workflows/budget.ts`.
 */

import { z } from 'zod';

const count = z.number().int().nonnegative();

/** `SpendLedger`'s totals, cost in nano-dollars (exact sums). */
export const nanoTotalsSchema = z.strictObject({
  calls: count,
  inputTokens: count,
  outputTokens: count,
  cacheReadInputTokens: count,
  cacheCreationInputTokens: count,
  costNanoUsd: z.number().nonnegative(),
});

/** A session's (or a tree's) totals in nano-dollars, in all, per model and per profile. */
export const nanoSpendSchema = z.strictObject({
  total: nanoTotalsSchema,
  byModel: z.record(z.string(), nanoTotalsSchema),
  byProfile: z.record(z.string(), nanoTotalsSchema),
});

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

/**
 * The spend ledger as the `state` query shows it. A session with sub-agents counts their spend too (in `total`,
 * `byModel` and `byProfile`, not in `recent`): a root session's ledger covers its whole tree.
 */
export interface SpendLedgerView {
  total: SpendTotals;
  /** Keyed by model id. */
  byModel: Record<string, SpendTotals>;
  /** Keyed by profile name. */
  byProfile: Record<string, SpendTotals>;
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
