/**
 * Grading an eval session: what the `gradeEvalSession` workflow takes (a grader's name and one comparison of the
 * eval's report) and what a grader answers. Bundle-safe.
 */
import { z } from 'zod';

/** A grader's name: what `keel eval --grader` and the worker's `graders` know it by. */
export const graderNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, `_`, `.` and `-`, at most 64');

/** A grade of one candidate session: a score in 0..1 and/or pass or fail, with the grader's words. */
export const evalGradeSchema = z.strictObject({
  grader: graderNameSchema,
  score: z.number().min(0).max(1).optional(),
  pass: z.boolean().optional(),
  notes: z.string().max(4_000).optional(),
});
export type EvalGrade = z.infer<typeof evalGradeSchema>;

export const gradeRequestSchema = z.strictObject({
  grader: graderNameSchema,
  /** One `SessionComparison` of the report (src/eval/compare-sessions.ts), as JSON. */
  comparison: z.record(z.string(), z.unknown()),
});
export type GradeRequest = z.infer<typeof gradeRequestSchema>;
