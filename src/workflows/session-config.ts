/**
 * The worker's configuration as a session reads it: its profile (and fallbacks) and its tools. Deterministic,
 * bundle-safe.
 *
 * Both are quick reads of the worker's own configuration, so they run as local activities: in the worker, within
 * the workflow task that needs them, recorded in history as markers, instead of a round trip through the server's
 * task queues. That takes one server round trip off a session's start (bench/RESULTS.md, section 6). Sessions
 * begun before the lean-steps patch read them through ordinary activities, and replay that way.
 */
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { FailureTypes } from '../shared/failure-types.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';
import {
  localConfigActivities,
  remoteProfileActivities,
  remoteToolActivities,
  type SessionActivities as Activities,
} from './session-activities.js';

export interface SessionConfig {
  /** The named profile as the worker's configuration has it now. */
  resolveProfile: Activities['resolveProfile'];
  /** The session's tools and sandbox options, checked against the worker's registries. */
  resolveTools: Activities['resolveTools'];
}

/** @param byLocalActivities whether this run reads its configuration by local activities (the lean-steps patch). */
export function sessionConfig(byLocalActivities: boolean): SessionConfig {
  return byLocalActivities
    ? { resolveProfile: localConfigActivities.resolveProfile, resolveTools: localConfigActivities.resolveTools }
    : { resolveProfile: remoteProfileActivities.resolveProfile, resolveTools: remoteToolActivities.resolveTools };
}

/**
 * The session's profile, read once at its start.
 * @throws ApplicationFailure `Config.UnknownProfile`, not retryable, when the worker cannot resolve it.
 */
export async function resolveSessionProfile(config: SessionConfig, name: string): Promise<ResolvedProfile> {
  try {
    return await config.resolveProfile(name);
  } catch (error) {
    if (isCancellation(error)) throw error;
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw ApplicationFailure.create({ type: FailureTypes.ConfigUnknownProfile, message: `cannot resolve profile "${name}": ${cause}`, nonRetryable: true });
  }
}
