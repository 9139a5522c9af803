/**
 * The workflow's two arguments, checked on entry: the client's `SessionInput` and the state Keel carries into a run
 * that continued as new. Either failing fails the run at once, never a workflow task later on.
 */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { FailureTypes } from '../shared/failure-types.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { sessionCarrySchema, type SessionCarry } from '../shared/schemas/session-carry.js';
import { sessionInputSchema, type SessionInput } from '../shared/schemas/session-input.js';

/**
 * The session input, checked.
 * @throws ApplicationFailure `InvalidSessionInput`, not retryable, naming the field.
 */
export function parseInput(raw: unknown): SessionInput {
  const parsed = sessionInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: FailureTypes.InvalidSessionInput,
      message: `invalid session input: ${describeIssues(parsed.error)}`,
      nonRetryable: true,
    });
  }
  return parsed.data;
}

/**
 * True when this run began as Keel's own continue-as-new of an earlier run. The server sets the previous run's id
 * on a continued run, and no StartWorkflowExecution request can; a retry or a cron run also gets one, so those are
 * ruled out by their own marks (a retry's attempt, a cron schedule) rather than trusted.
 */
function continuedByKeel(): boolean {
  const info = workflowInfo();
  return info.continuedFromExecutionRunId !== undefined && info.attempt === 1 && info.cronSchedule === undefined;
}

/**
 * The state a run that continued as new carries, checked. Undefined in a session's first run.
 * @throws ApplicationFailure `InvalidSessionInput`, not retryable, when a client passed a second argument (only
 *   Keel's continue-as-new may: it can hand over a sandbox), or when the carried state does not parse.
 */
export function parseCarry(raw: unknown): SessionCarry | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!continuedByKeel()) {
    throw ApplicationFailure.create({
      type: FailureTypes.InvalidSessionInput,
      message: 'a second workflow argument is refused: it is the state Keel carries into a run that continued as new, never a client\'s to send',
      nonRetryable: true,
    });
  }
  const parsed = sessionCarrySchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: FailureTypes.InvalidSessionInput,
      message: `invalid carried state (the second workflow argument is Keel's own, set on continue-as-new): ${describeIssues(parsed.error)}`,
      nonRetryable: true,
    });
  }
  return parsed.data;
}
