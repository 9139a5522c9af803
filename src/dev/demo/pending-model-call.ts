/**
 * The session's model call as the Temporal server sees it (the workflow's pending activities): whether one is
 * running on a worker right now, and which attempt it is. The recovery step of `npm run demo` kills the worker
 * while one runs, then watches the server hand the call to the new worker as attempt 2. Dev tooling.
 */
import proto from '@temporalio/proto';
import type { SessionHandle } from '../../client/session-client.js';

export interface PendingModelCall {
  attempt: number;
  /** Started on a worker (not merely scheduled, or waiting out a retry interval). */
  running: boolean;
}

/** The pending `callModel` activity of the session's current run, or undefined when none is pending. */
export async function pendingModelCall(handle: SessionHandle): Promise<PendingModelCall | undefined> {
  const description = await handle.workflow.describe();
  const call = (description.raw.pendingActivities ?? []).find((activity) => activity.activityType?.name === 'callModel');
  if (!call) return undefined;
  return { attempt: call.attempt ?? 1, running: call.state === proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED };
}
