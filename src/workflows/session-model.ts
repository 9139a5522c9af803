/**
 * The session's model: the active profile, the model activity configured by it (timeouts, retries), and failover
 * to the profile's fallbacks. Workflow code. Every profile comes from the `resolveProfile` activity, so the switch
 * is recorded in history and replays the same.
 */
import type { ModelCallRequest, ModelCallResponse } from '../shared/schemas/model-call.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';
import { failoverReason, type FailoverEvent } from './failover.js';
import { modelActivities, type ModelCall } from './session-activities.js';

export interface SessionModelOptions {
  /** Resolves a fallback profile by name (the `resolveProfile` activity). */
  resolveProfile(name: string): Promise<ResolvedProfile>;
  /** Called after each switch to a fallback, before the call is made again. */
  onFailover(event: FailoverEvent): void;
}

export class SessionModel {
  #profile: ResolvedProfile;
  #callModel: ModelCall;
  /** Fallbacks not yet tried, in order: the primary's, then those the fallbacks name. */
  readonly #fallbacks: string[];
  readonly #tried: Set<string>;

  constructor(
    primary: ResolvedProfile,
    private readonly options: SessionModelOptions,
  ) {
    this.#profile = primary;
    this.#callModel = modelActivities(primary);
    this.#fallbacks = [...primary.fallbacks];
    this.#tried = new Set([primary.name]);
  }

  /** The profile calls go to now. */
  get profile(): ResolvedProfile {
    return this.#profile;
  }

  /**
   * One conversation turn's model call, built for the active profile by `build`. When the call fails for good
   * with a failure the profile fails over on, the next fallback profile is resolved and the call made again on it;
   * with no fallback left, the last failure is thrown (an `ActivityFailure`, which fails the workflow).
   */
  async call(turn: number, build: (profile: ResolvedProfile) => ModelCallRequest): Promise<ModelCallResponse> {
    for (;;) {
      const profile = this.#profile;
      try {
        return await this.#callModel(`model call, turn ${turn} (${profile.model})`, build(profile));
      } catch (error) {
        const reason = failoverReason(error, profile.failoverOn);
        if (!reason) throw error;
        const fallback = await this.#nextFallback();
        if (!fallback) throw error;
        this.#switchTo(fallback);
        this.options.onFailover({
          turn,
          fromProfile: profile.name,
          fromModel: profile.model,
          toProfile: fallback.name,
          toModel: fallback.model,
          reason: reason.type,
          message: reason.message,
        });
      }
    }
  }

  /**
   * Moves calls to `profile` from the next one on (a profile switch), with its own fallbacks: a switch starts
   * failover afresh.
   */
  useProfile(profile: ResolvedProfile): void {
    this.#tried.clear();
    this.#tried.add(profile.name);
    this.#fallbacks.length = 0;
    this.#switchTo(profile);
  }

  /** A summarising call on the active profile, with its own retries and no failover (a failed summary falls back to a plain reset). */
  summarize(turn: number, request: ModelCallRequest): Promise<ModelCallResponse> {
    return this.#callModel(`context compaction before turn ${turn} (${this.#profile.model})`, request);
  }

  async #nextFallback(): Promise<ResolvedProfile | undefined> {
    for (;;) {
      const name = this.#fallbacks.shift();
      if (name === undefined) return undefined;
      if (this.#tried.has(name)) continue;
      this.#tried.add(name);
      try {
        return await this.options.resolveProfile(name);
      } catch {
        // A fallback that no longer resolves (the profiles file changed) is skipped for the next one.
        continue;
      }
    }
  }

  #switchTo(profile: ResolvedProfile): void {
    this.#profile = profile;
    this.#callModel = modelActivities(profile);
    for (const name of profile.fallbacks) if (!this.#tried.has(name)) this.#fallbacks.push(name);
  }
}
