/**
 * `gradeEvalSession`: grades one compared session of a `keel eval` run, either with one of the workers' graders
 * (the `gradeSession` activity, retried 3 times; a grader the worker lacks fails at once), or by rubric: the named
 * profile is resolved on the worker and its model asked for a verdict (`callGraderModel`, retried as model calls
 * are), whose answer becomes the grade, or a grade with `error` when it holds no valid verdict. Deterministic code
 * only.
 */
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { FailureTypes } from '../shared/failure-types.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { gradeRequestSchema, type EvalGrade } from '../shared/schemas/grade.js';
import { rubricGradeRequestSchema } from '../shared/schemas/rubric-grade.js';
import { buildRubricRequest, readRubricVerdict } from './rubric-grading.js';
import type { SessionActivities } from './session-activities.js';

const { gradeSession, resolveProfile } = proxyActivities<SessionActivities>({ startToCloseTimeout: '5 minutes', retry: { initialInterval: '1 second', maximumAttempts: 3 } });
/** Model errors leave the activity classified: rate limits and overloads wait and retry, a bad request does not. */
const { callGraderModel } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 6 },
});

const invalid = (message: string) => ApplicationFailure.create({ type: FailureTypes.InvalidSessionInput, message, nonRetryable: true });

/** @throws ApplicationFailure `InvalidSessionInput`, not retryable, for a request that breaks the schema. */
export async function gradeEvalSessionWorkflow(request: unknown): Promise<EvalGrade> {
  if (typeof request === 'object' && request !== null && 'rubric' in request) {
    const parsed = rubricGradeRequestSchema.safeParse(request);
    if (!parsed.success) throw invalid(`invalid rubric grade request: ${describeIssues(parsed.error)}`);
    const profile = await resolveProfile(parsed.data.rubric.profile);
    const response = await callGraderModel.executeWithOptions(
      { summary: `grade by rubric ${parsed.data.rubric.name} on ${profile.name}` },
      [buildRubricRequest(profile, parsed.data, workflowInfo().workflowId)],
    );
    return readRubricVerdict(profile, parsed.data, response);
  }
  const parsed = gradeRequestSchema.safeParse(request);
  if (!parsed.success) throw invalid(`invalid grade request: ${describeIssues(parsed.error)}`);
  return gradeSession.executeWithOptions({ summary: `grade with ${parsed.data.grader}` }, [parsed.data]);
}
