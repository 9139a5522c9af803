/**
 * What a session shows outside its history: Keel's search attributes (for `temporal workflow list` queries and the
 * UI's filters) and the current details the UI shows. Deterministic, bundle-safe.
 *
 * Each search attribute upsert is a history event and a visibility write on the server, which the benchmark
 * measured as the largest cost Keel added to a turn (bench/RESULTS.md, "Tunings"). So the attributes are written
 * when the status or the profile changes, with every figure current, and in between (one long turn of many steps)
 * at most once every {@link FIGURES_INTERVAL_MS} of workflow time. Current details cost nothing (a query serves
 * them), so they always follow at once.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { keelCostUsdKey, keelProfileKey, keelStatusKey, keelTenantKey, keelTokensKey, keelTurnsKey } from '../shared/search-attributes.js';
import { describeCurrentDetails } from './current-details.js';
import type { SessionState } from './session-state.js';

/** How stale the turn, token and cost figures may get during one long turn, ms of workflow time. */
export const FIGURES_INTERVAL_MS = 5_000;

interface Published {
  status: string;
  profile: string;
  turn: number;
  tokens: number;
  costUsd: number;
  atMs: number;
}

export class SessionVisibility {
  #last: Published | undefined;

  /**
   * @param onChange false for runs begun before the lean-steps patch: they wrote at every publish, and replay so.
   * @param tenant the input's `metadata.tenant`: written with a run's first search attributes (`KeelTenant`), so
   * that a session another client started is listed for its tenant too.
   */
  constructor(
    private readonly state: SessionState,
    private readonly inputProfile: string,
    private readonly onChange: boolean,
    private readonly tenant?: string,
  ) {}

  /** Shows the state now: current details always, search attributes when due (see the module comment). */
  publish(): void {
    const state = this.state;
    const now: Published = {
      status: state.status,
      profile: state.profile?.name ?? this.inputProfile,
      turn: state.turn,
      tokens: state.spend.totalTokens(),
      costUsd: state.usage.costUsd,
      atMs: Date.now(),
    };
    if (this.#due(now)) {
      upsertSearchAttributes([
        { key: keelStatusKey, value: now.status },
        { key: keelProfileKey, value: now.profile },
        { key: keelTurnsKey, value: now.turn },
        { key: keelTokensKey, value: now.tokens },
        { key: keelCostUsdKey, value: now.costUsd },
        // Once per run, in the same upsert: no history event of its own, and nothing for sessions without one.
        ...(this.tenant !== undefined && !this.#last ? [{ key: keelTenantKey, value: this.tenant }] : []),
      ]);
      this.#last = now;
    }
    setCurrentDetails(
      describeCurrentDetails({ status: state.status, turn: now.turn, tokens: now.tokens, costUsd: now.costUsd, profile: now.profile, lastEntry: state.transcript.at(-1) }),
    );
  }

  #due(now: Published): boolean {
    const last = this.#last;
    if (!this.onChange || !last) return true;
    if (now.status !== last.status || now.profile !== last.profile) return true;
    const figuresChanged = now.turn !== last.turn || now.tokens !== last.tokens || now.costUsd !== last.costUsd;
    return figuresChanged && now.atMs - last.atMs >= FIGURES_INTERVAL_MS;
  }
}
