/**
 * What a session shows outside its history: Keel's search attributes (for `temporal workflow list` queries and the
 * UI's filters) and the current details the UI shows. Deterministic, bundle-safe.
 *
 * Each search attribute upsert is a history event and a visibility write on the server, which the benchmark
 * measured as the largest cost Keel added to a turn (bench/RESULTS.md, "Tunings"). So the attributes are written
 * when the status or the profile changes, with every figure current, and in between (one long turn of many steps)
 * once every {@link FIGURES_EVERY_STEPS} model steps. Current details cost nothing (a query serves them), so they
 * always follow at once.
 *
 * Runs begun before the figures-by-steps patch wrote the figures at most every {@link FIGURES_INTERVAL_MS} of
 * workflow time instead, and replay so; runs before the lean-steps patch wrote at every publish.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { keelCostUsdKey, keelProfileKey, keelStatusKey, keelTenantKey, keelTokensKey, keelTurnsKey } from '../shared/search-attributes.js';
import { describeCurrentDetails } from './current-details.js';
import type { SessionState } from './session-state.js';

/** How many model steps of one long turn the turn, token and cost figures may fall behind. */
export const FIGURES_EVERY_STEPS = 5;

/** The same bound in workflow time, for runs begun before the figures-by-steps patch (see patches.ts). */
export const FIGURES_INTERVAL_MS = 5_000;

/**
 * When figures that changed without the status are written: at every publish (runs before lean steps), every
 * {@link FIGURES_INTERVAL_MS} of workflow time (runs before figures-by-steps), or every {@link FIGURES_EVERY_STEPS}
 * model steps.
 */
export type FiguresRule = 'every-publish' | 'interval' | 'steps';

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
   * @param figuresRule decided once at the start of the run from its patches (session-workflow.ts).
   * @param tenant the input's `metadata.tenant`: written with a run's first search attributes (`KeelTenant`), so
   * that a session another client started is listed for its tenant too.
   */
  constructor(
    private readonly state: SessionState,
    private readonly inputProfile: string,
    private readonly figuresRule: FiguresRule,
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
    if (this.figuresRule === 'every-publish' || !last) return true;
    if (now.status !== last.status || now.profile !== last.profile) return true;
    if (this.figuresRule === 'steps') return now.turn - last.turn >= FIGURES_EVERY_STEPS;
    const figuresChanged = now.turn !== last.turn || now.tokens !== last.tokens || now.costUsd !== last.costUsd;
    return figuresChanged && now.atMs - last.atMs >= FIGURES_INTERVAL_MS;
  }
}
