/**
 * Every activity a session calls, proxied in this one place with the options each kind of call needs. Workflow code
 * sees the activities as a type only (`SessionActivities`), so the bundle never loads activity code. The options of
 * a proxy are not part of a session's history, but its timeouts and retries are what a running session gets: change
 * them here, knowingly.
 */
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { ModelCallRequest, ModelCallResponse } from '../shared/schemas/model-call.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';

/** The activities a session calls, as workflow code sees them: a type only. */
export type SessionActivities = ReturnType<typeof createActivities>;

const configRetry = { initialInterval: '1 second', maximumAttempts: 5 };

/** Reads of the worker's configuration as local activities (the lean-steps patch, see patches.ts). */
export const localConfigActivities = proxyLocalActivities<SessionActivities>({ startToCloseTimeout: '30 seconds', retry: configRetry });

/** The same reads as ordinary activities, with the options they had before the lean-steps patch (older histories). */
export const remoteProfileActivities = proxyActivities<SessionActivities>({ startToCloseTimeout: '30 seconds', retry: configRetry });
export const remoteToolActivities = proxyActivities<SessionActivities>({ startToCloseTimeout: '2 minutes', retry: configRetry });

/** The content store: storing large content, archiving and loading the transcript. */
export const storeActivities = proxyActivities<SessionActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Creating and removing a session's sandbox. */
export const sandboxActivities = proxyActivities<SessionActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

/**
 * Running a tool. Every option is set per call from the tool's own policy (`executeWithOptions`); these are
 * placeholders the call overrides.
 */
export const toolActivities = proxyActivities<SessionActivities>({
  startToCloseTimeout: '1 minute',
  // Cancelling a session waits for its running tools to stop before the sandbox is removed under them.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Turn-boundary snapshots of a local sandbox (`keel fork`). */
export const snapshotActivities = proxyActivities<SessionActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

/** A forked session's claim of read access to its source. */
export const forkActivities = proxyActivities<SessionActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

/** One model call, with the single-line summary the UI shows for it (ordinary activities only). */
export type ModelCall = (summary: string, request: ModelCallRequest) => Promise<ModelCallResponse>;

/**
 * The model activity with the profile's timeouts and retry policy: an ordinary activity, or with `modelCall.local`
 * a local one (run within the workflow task, no heartbeats, see docs/profiles.md "Local model calls").
 */
export function modelActivities(profile: ResolvedProfile): ModelCall {
  const call = profile.modelCall;
  const retry = {
    initialInterval: call.retry.initialIntervalMs,
    backoffCoefficient: call.retry.backoffCoefficient,
    maximumInterval: call.retry.maximumIntervalMs,
    // The profile's 0 means unlimited, which the SDK spells by leaving the field out (it refuses 0 and fails
    // the workflow task).
    ...(call.retry.maximumAttempts > 0 ? { maximumAttempts: call.retry.maximumAttempts } : {}),
  };
  const startToCloseTimeout = `${call.startToCloseTimeoutSeconds} seconds` as const;
  if (call.local) {
    // No heartbeat timeout: a local activity cannot heartbeat; a lost worker is noticed by the workflow task's
    // timeout instead, and the task (with this call) runs again on another worker.
    const local = proxyLocalActivities<SessionActivities>({ startToCloseTimeout, retry });
    return (summary, request) => local.callModel.executeWithOptions({ summary }, [request]);
  }
  const remote = proxyActivities<SessionActivities>({ startToCloseTimeout, heartbeatTimeout: `${call.heartbeatTimeoutSeconds} seconds`, retry });
  return (summary, request) => remote.callModel.executeWithOptions({ summary }, [request]);
}

/**
 * Tools marked `safeToRetry`, in a session whose profile runs its calls locally (`modelCall.local`). Every option is
 * set per call from the tool's own policy, as for {@link toolActivities}; these are placeholders.
 */
export const localToolActivities = proxyLocalActivities<SessionActivities>({ startToCloseTimeout: '1 minute' });
