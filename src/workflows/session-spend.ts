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
import type { SoftLimitHit, SpendKind, SpendLedgerView } from '../shared/schemas/spend.js';
import { BudgetGuard } from './budget.js';
import { SpendLedger, sumSpend, toView, type NanoSpend } from './spend-ledger.js';

/** The spend's share of the carried state (`SessionState.toCarry`). */
export type CarriedSpend = Pick<CarriedSessionState, 'usage' | 'spend' | 'budget' | 'budgetPause' | 'childSpend'>;

/** One model call's size (or the most that one report added): what a budget lease reserves for a call in flight. */
interface CallSize {
  tokens: number;
  costNanoUsd: number;
}

function tokensOf(totals: NanoSpend['total']): number {
  return totals.inputTokens + totals.outputTokens + totals.cacheReadInputTokens + totals.cacheCreationInputTokens;
}

function usageOf(spend: NanoSpend): Usage {
  const { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, costUsd } = toView(spend.total);
  return { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, costUsd };
}

export class SessionSpend {
  /** The totals of {@link ledger} and of the sub-agents' spend, in the contract's shape. */
  readonly usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0 };
  /** Every model call's tokens and cost, of this session's own calls. */
  readonly ledger: SpendLedger;
  /** Each sub-agent's spend (its own sub-agents included) as it last reported it, by workflow id. */
  readonly #children = new Map<string, NanoSpend>();
  readonly guard: BudgetGuard;
  /** The soft limit the session waits on in `waiting_for_budget`. */
  pause: SoftLimitHit | undefined;
  /** The largest call seen in this session's tree (see {@link roomFor}); not carried: no sub-agent runs across runs. */
  readonly #largestCall: CallSize = { tokens: 0, costNanoUsd: 0 };

  /** A new session's spend, or the spend a continued run carries on from. */
  constructor(carried?: CarriedSpend) {
    this.ledger = new SpendLedger(carried?.spend);
    this.guard = new BudgetGuard(carried?.budget);
    for (const [id, spend] of Object.entries(carried?.childSpend ?? {})) this.#children.set(id, spend);
    this.pause = carried?.budgetPause;
    for (const entry of this.ledger.view().recent) {
      const { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, costUsd } = entry;
      this.#noteCall({ tokens: inputTokens + outputTokens + cacheReadInputTokens + cacheCreationInputTokens, costNanoUsd: Math.round(costUsd * 1e9) });
    }
    this.#sync();
  }

  #noteCall(size: CallSize): void {
    this.#largestCall.tokens = Math.max(this.#largestCall.tokens, size.tokens);
    this.#largestCall.costNanoUsd = Math.max(this.#largestCall.costNanoUsd, size.costNanoUsd);
  }

  /** `usage` as the sum of this session's calls and its sub-agents'. */
  #sync(): void {
    Object.assign(this.usage, usageOf(this.tree()));
  }

  /** Adds a model call to the ledger, priced by `profile`; `usage` follows the ledger's totals. */
  record(call: { turn: number; kind: SpendKind; profile: ResolvedProfile; usage: ModelUsage }): void {
    const entry = this.ledger.record(call);
    const { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens } = call.usage;
    this.#noteCall({ tokens: inputTokens + outputTokens + cacheReadInputTokens + cacheCreationInputTokens, costNanoUsd: Math.round(entry.costUsd * 1e9) });
    this.#sync();
  }

  /**
   * Takes a sub-agent's spend so far. Reports are cumulative: the latest replaces the one before, and one that
   * counts fewer calls than the one before (delivered late) is dropped. What a report adds is taken as one call's
   * size (it may be several calls of the sub-agent's own sub-agents: too large a size only costs concurrency).
   */
  childSpent(id: string, spend: NanoSpend): void {
    const before = this.#children.get(id);
    if (before && spend.total.calls < before.total.calls) return;
    this.#noteCall({
      tokens: tokensOf(spend.total) - (before ? tokensOf(before.total) : 0),
      costNanoUsd: spend.total.costNanoUsd - (before?.total.costNanoUsd ?? 0),
    });
    this.#children.set(id, spend);
    this.#sync();
  }

  /** What a sub-agent has spent, as it last reported. */
  childUsage(id: string): Usage {
    const spend = this.#children.get(id);
    return spend ? usageOf(spend) : { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0 };
  }

  /** This session's spend with its sub-agents': what it reports to its own parent. */
  tree(): NanoSpend {
    return sumSpend([this.ledger.spend(), ...this.#children.values()]);
  }

  /** The ledger as `state` shows it: the session's calls, and in its totals its sub-agents' too. */
  view(): SpendLedgerView {
    return this.ledger.view([...this.#children.values()]);
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

  /**
   * Whether `calls` more model calls, each as large as the largest one seen in this tree so far, fit under the
   * spend limits: a budget lease lets calls run at the same time only while they do (sub-agents.ts).
   */
  roomFor(limits: SessionLimits, calls: number): boolean {
    if (limits.maxTokens !== undefined && this.totalTokens() + calls * this.#largestCall.tokens >= limits.maxTokens) return false;
    if (limits.maxCostUsd !== undefined && this.usage.costUsd + (calls * this.#largestCall.costNanoUsd) / 1e9 >= limits.maxCostUsd) return false;
    return true;
  }

  toCarry(): CarriedSpend {
    return {
      usage: { ...this.usage },
      spend: this.ledger.snapshot(),
      budget: this.guard.snapshot(),
      budgetPause: this.pause && { ...this.pause },
      childSpend: Object.fromEntries(this.#children),
    };
  }
}
