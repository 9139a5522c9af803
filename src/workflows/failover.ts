/**
 * Which failed model calls move a session to a fallback profile. Workflow code (deterministic): it reads the
 * failure Temporal recorded once the call's retry policy gave up.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { FailureTypes } from '../shared/failure-types.js';
import type { FailoverEvent } from '../shared/schemas/failover-event.js';

export type { FailoverEvent };

/**
 * The failure type of a model call that failed for good, when failover applies to it (`failoverOn`), else
 * undefined. A call whose attempts all timed out counts as `Model.Timeout`.
 */
export function failoverReason(error: unknown, failoverOn: readonly string[]): { type: string; message: string } | undefined {
  if (!(error instanceof ActivityFailure)) return undefined;
  const cause = error.cause;
  let type: string | undefined;
  if (cause instanceof ApplicationFailure) type = cause.type ?? undefined;
  else if (cause instanceof TimeoutFailure) type = FailureTypes.ModelTimeout;
  if (type === undefined || !failoverOn.includes(type)) return undefined;
  return { type, message: cause?.message ?? error.message };
}
