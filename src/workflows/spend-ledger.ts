/**
 * The spend ledger: tokens and cost of every model call a session makes, per turn, per model and in total. Pure
 * and deterministic (workflow code); its data is plain JSON so it can travel through continue-as-new.
 *
 * Cost is counted in whole nano-dollars (10^-9 USD) and turned into dollars only when read, so that sums are exact
 * and independent of the order of addition: a ledger that says $0.00123 says exactly the decimal 0.00123.
 */
import type { ModelUsage } from '../shared/schemas/model-call.js';
import type { Profile } from '../shared/schemas/profile.js';
import type { SpendEntry, SpendKind, SpendLedgerView, SpendTotals } from '../shared/schemas/spend.js';

export type { SpendEntry, SpendKind, SpendLedgerView, SpendTotals };

/** Totals with cost kept in nano-dollars, the ledger's stored form. */
export interface NanoTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  costNanoUsd: number;
}

/** Totals of a session (or a tree of them) in nano-dollars: what a sub-agent reports to its parent. */
export interface NanoSpend {
  total: NanoTotals;
  byModel: Record<string, NanoTotals>;
  byProfile: Record<string, NanoTotals>;
}

/** The ledger's data, JSON-serialisable: what a continued run needs to carry on counting. */
export interface SpendLedgerSnapshot extends NanoSpend {
  recent: SpendEntry[];
  olderCalls: number;
}

/** How many recent calls the ledger lists one by one; older ones live on in the totals. Keeps `state` small. */
export const MAX_RECENT_ENTRIES = 100;

/**
 * The cost of one call in nano-dollars: tokens times the profile's price per million tokens, rounded once to the
 * nearest nano-dollar (prices are given to at most a few decimals, so the rounding only removes float noise).
 */
export function costNanoUsdOf(usage: ModelUsage, pricing: Profile['pricing']): number {
  const microUsd =
    usage.inputTokens * pricing.inputPerMillionUsd +
    usage.outputTokens * pricing.outputPerMillionUsd +
    usage.cacheReadInputTokens * pricing.cacheReadPerMillionUsd +
    usage.cacheCreationInputTokens * pricing.cacheWritePerMillionUsd;
  return Math.round(microUsd * 1000);
}

function emptyTotals(): NanoTotals {
  return { calls: 0, inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costNanoUsd: 0 };
}

function add(totals: NanoTotals, usage: ModelUsage, costNanoUsd: number): void {
  totals.calls += 1;
  totals.inputTokens += usage.inputTokens;
  totals.outputTokens += usage.outputTokens;
  totals.cacheReadInputTokens += usage.cacheReadInputTokens;
  totals.cacheCreationInputTokens += usage.cacheCreationInputTokens;
  totals.costNanoUsd += costNanoUsd;
}

function addTotals(into: NanoTotals, more: NanoTotals): void {
  into.calls += more.calls;
  into.inputTokens += more.inputTokens;
  into.outputTokens += more.outputTokens;
  into.cacheReadInputTokens += more.cacheReadInputTokens;
  into.cacheCreationInputTokens += more.cacheCreationInputTokens;
  into.costNanoUsd += more.costNanoUsd;
}

/** The sum of several sessions' spend (a session and its sub-agents). */
export function sumSpend(parts: NanoSpend[]): NanoSpend {
  const sum: NanoSpend = { total: emptyTotals(), byModel: {}, byProfile: {} };
  for (const part of parts) {
    addTotals(sum.total, part.total);
    for (const [model, totals] of Object.entries(part.byModel)) addTotals((sum.byModel[model] ??= emptyTotals()), totals);
    for (const [profile, totals] of Object.entries(part.byProfile)) addTotals((sum.byProfile[profile] ??= emptyTotals()), totals);
  }
  return sum;
}

export function toView(totals: NanoTotals): SpendTotals {
  return {
    calls: totals.calls,
    inputTokens: totals.inputTokens,
    outputTokens: totals.outputTokens,
    cacheReadInputTokens: totals.cacheReadInputTokens,
    cacheCreationInputTokens: totals.cacheCreationInputTokens,
    totalTokens: totals.inputTokens + totals.outputTokens + totals.cacheReadInputTokens + totals.cacheCreationInputTokens,
    costUsd: totals.costNanoUsd / 1e9,
  };
}

/** A deep copy by JSON: the data is plain JSON, and the workflow sandbox need not offer `structuredClone`. */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class SpendLedger {
  readonly #data: SpendLedgerSnapshot;

  /** A new ledger, or one that continues from a snapshot (continue-as-new). */
  constructor(snapshot?: SpendLedgerSnapshot) {
    this.#data = snapshot ? clone(snapshot) : { total: emptyTotals(), byModel: {}, byProfile: {}, recent: [], olderCalls: 0 };
  }

  /** Records one model call priced by `profile`, and returns its entry. */
  record(call: { turn: number; kind: SpendKind; profile: Pick<Profile, 'model' | 'pricing'> & { name: string }; usage: ModelUsage }): SpendEntry {
    const costNanoUsd = costNanoUsdOf(call.usage, call.profile.pricing);
    add(this.#data.total, call.usage, costNanoUsd);
    const model = call.profile.model;
    this.#data.byModel[model] ??= emptyTotals();
    add(this.#data.byModel[model], call.usage, costNanoUsd);
    add((this.#data.byProfile[call.profile.name] ??= emptyTotals()), call.usage, costNanoUsd);
    const entry: SpendEntry = {
      turn: call.turn,
      kind: call.kind,
      profile: call.profile.name,
      model,
      inputTokens: call.usage.inputTokens,
      outputTokens: call.usage.outputTokens,
      cacheReadInputTokens: call.usage.cacheReadInputTokens,
      cacheCreationInputTokens: call.usage.cacheCreationInputTokens,
      costUsd: costNanoUsd / 1e9,
    };
    this.#data.recent.push(entry);
    if (this.#data.recent.length > MAX_RECENT_ENTRIES) {
      this.#data.recent.shift();
      this.#data.olderCalls += 1;
    }
    return entry;
  }

  /** Session totals. */
  total(): SpendTotals {
    return toView(this.#data.total);
  }

  /** This session's own totals, the form a parent sums. */
  spend(): NanoSpend {
    return clone({ total: this.#data.total, byModel: this.#data.byModel, byProfile: this.#data.byProfile });
  }

  /** The ledger as `state` shows it, with `others` (its sub-agents' spend) counted in its totals. */
  view(others: NanoSpend[] = []): SpendLedgerView {
    const sum = sumSpend([this.#data, ...others]);
    const viewOf = (totals: Record<string, NanoTotals>): Record<string, SpendTotals> =>
      Object.fromEntries(Object.entries(totals).map(([key, value]) => [key, toView(value)]));
    return {
      total: toView(sum.total),
      byModel: viewOf(sum.byModel),
      byProfile: viewOf(sum.byProfile),
      recent: this.#data.recent.map((entry) => ({ ...entry })),
      olderCalls: this.#data.olderCalls,
    };
  }

  snapshot(): SpendLedgerSnapshot {
    return clone(this.#data);
  }
}
