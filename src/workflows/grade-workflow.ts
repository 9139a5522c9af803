/**
 * `gradeEvalSession`: grades one compared session of a `keel eval` run with one of the workers' graders, as the
 * `gradeSession` activity (retried 3 times; a grader the worker lacks fails at once). Deterministic code only.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import { FailureTypes } from '../shared/failure-types.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { gradeRequestSchema, type EvalGrade } from '../shared/schemas/grade.js';
import type { SessionActivities } from './session-activities.js';

const { gradeSession } = proxyActivities<SessionActivities>({ startToCloseTimeout: '5 minutes', retry: { initialInterval: '1 second', maximumAttempts: 3 } });

/** @throws ApplicationFailure `InvalidSessionInput`, not retryable, for a request that breaks the schema. */
export async function gradeEvalSessionWorkflow(request: unknown): Promise<EvalGrade> {
  const parsed = gradeRequestSchema.safeParse(request);
  if (!parsed.success) {
    throw ApplicationFailure.create({ type: FailureTypes.InvalidSessionInput, message: `invalid grade request: ${describeIssues(parsed.error)}`, nonRetryable: true });
  }
  return gradeSession.executeWithOptions({ summary: `grade with ${parsed.data.grader}` }, [parsed.data]);
}
