/**
 * Which session an activity works for: the workflow id Temporal set on the activity task. A client cannot choose it
 * for another session's activities, so it is what stored content and snapshots are scoped by, never an argument.
 * Worker-side.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../shared/failure-types.js';

/** @throws ApplicationFailure `Store.Forbidden`, not retryable, for an activity not started by a workflow. */
export function activitySessionId(context: Context = Context.current()): string {
  const workflowId = context.info.workflowExecution?.workflowId;
  if (!workflowId) throw ApplicationFailure.nonRetryable('this activity reads session content and runs only for a session workflow', FailureTypes.StoreForbidden);
  return workflowId;
}
