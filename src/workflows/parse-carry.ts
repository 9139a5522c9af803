import { ApplicationFailure } from '@temporalio/workflow';
import { FailureTypes } from '../shared/failure-types.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { sessionCarrySchema, type SessionCarry } from '../shared/schemas/session-carry.js';

/**
 * The state a run that continued as new carries, checked. Undefined in a session's first run.
 * @throws ApplicationFailure `InvalidSessionInput`, not retryable, when a client passed something else there.
 */
export function parseCarry(raw: unknown): SessionCarry | undefined {
  if (raw === undefined || raw === null) return undefined;
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
