/**
 * The worker's configuration as a session reads it: its profile (and fallbacks) and its tools. Deterministic,
 * bundle-safe.
 *
 * Both are quick reads of the worker's own configuration, so they run as local activities: in the worker, within
 * the workflow task that needs them, recorded in history as markers, instead of a round trip through the server's
 * task queues. That takes one server round trip off a session's start (bench/RESULTS.md, section 6). Sessions
 * begun before the lean-steps patch read them through ordinary activities, and replay that way.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { SessionActivities as Activities } from './session-activities.js';


const retry = { initialInterval: '1 second', maximumAttempts: 5 };

// The options the ordinary activities had before the patch, kept for the sessions that still use them.
const remoteProfiles = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });
const remoteTools = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

export interface SessionConfig {
  /** The named profile as the worker's configuration has it now. */
  resolveProfile: Activities['resolveProfile'];
  /** The session's tools and sandbox options, checked against the worker's registries. */
  resolveTools: Activities['resolveTools'];
}

/** @param byLocalActivities whether this run reads its configuration by local activities (the lean-steps patch). */
export function sessionConfig(byLocalActivities: boolean): SessionConfig {
  return byLocalActivities
    ? { resolveProfile: local.resolveProfile, resolveTools: local.resolveTools }
    : { resolveProfile: remoteProfiles.resolveProfile, resolveTools: remoteTools.resolveTools };
}
