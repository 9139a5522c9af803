/**
 * `gradeSession`: runs one of the worker's graders (`defineGrader`) on one comparison of an eval's report. Its input
 * and answer are checked; a grader the worker does not have fails for good (`Config.Invalid`). Worker-side.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { SessionComparison } from '../eval/compare-sessions.js';
import type { GraderDefinition } from '../eval/define-grader.js';
import { FailureTypes } from '../shared/failure-types.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { evalGradeSchema, gradeRequestSchema, type EvalGrade, type GradeRequest } from '../shared/schemas/grade.js';

export function createGradeSession(graders: GraderDefinition[]) {
  const byName = new Map(graders.map((grader) => [grader.name, grader]));
  /** @throws ApplicationFailure `Config.Invalid`, not retryable, for a bad request, an unknown grader or a bad verdict. */
  return async function gradeSession(request: GradeRequest): Promise<EvalGrade> {
    const parsed = gradeRequestSchema.safeParse(request);
    if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid grade request: ${describeIssues(parsed.error)}`, FailureTypes.ConfigInvalid);
    const grader = byName.get(parsed.data.grader);
    if (!grader) {
      throw ApplicationFailure.nonRetryable(`no grader "${parsed.data.grader}" on this worker (it has: ${[...byName.keys()].join(', ') || 'none'}; add it with runWorker({ graders }))`, FailureTypes.ConfigInvalid);
    }
    const verdict = await grader.grade(parsed.data.comparison as unknown as SessionComparison);
    const grade = evalGradeSchema.safeParse({ grader: grader.name, ...verdict });
    if (!grade.success) throw ApplicationFailure.nonRetryable(`grader "${grader.name}" answered ${describeIssues(grade.error)}`, FailureTypes.ConfigInvalid);
    return grade.data;
  };
}
