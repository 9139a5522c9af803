/**
 * Grading an eval session: what the `gradeEvalSession` workflow takes (a grader's name and one comparison of the
 * eval's report) and what a grader answers. Bundle-safe.
 */
import { z } from 'zod';
import { stringMatching } from './string-matching.js';

/** A grader's name: what `keel eval --grader` and the worker's `graders` know it by. */
export const graderNameSchema = stringMatching(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, `_`, `.` and `-`, at most 64');

/** The scales a score may be on: a grader's is 0..1; a rubric's is the one the rubric states. */
export const gradeScaleSchema = z.enum(['0..1', '1..5']);
export type GradeScale = z.infer<typeof gradeScaleSchema>;

/** The range of each scale, inclusive. */
export const gradeScaleRange: Record<GradeScale, readonly [number, number]> = { '0..1': [0, 1], '1..5': [1, 5] };

/**
 * A grade of one candidate session: a score (0..1 unless `scale` says 1..5) and/or pass or fail, with the grader's
 * words; or `error` when the session could not be graded (the grader failed, a model's verdict did not parse). A
 * rubric's grade says what its model call cost.
 */
export const evalGradeSchema = z
  .strictObject({
    grader: graderNameSchema,
    score: z.number().optional(),
    /** @default `0..1` */
    scale: gradeScaleSchema.optional(),
    pass: z.boolean().optional(),
    /** A rubric's one-line verdict. */
    verdict: z.string().max(1_000).optional(),
    reasons: z.array(z.string().max(2_000)).max(20).optional(),
    notes: z.string().max(4_000).optional(),
    error: z.string().max(4_000).optional(),
    /** What grading this session cost (a rubric's model call), US dollars. */
    costUsd: z.number().nonnegative().optional(),
  })
  .superRefine((grade, context) => {
    if (grade.score === undefined) return;
    const [low, high] = gradeScaleRange[grade.scale ?? '0..1'];
    if (grade.score < low || grade.score > high) context.addIssue({ code: 'custom', path: ['score'], message: `${grade.score} is outside the scale ${grade.scale ?? '0..1'}` });
  });
export type EvalGrade = z.infer<typeof evalGradeSchema>;

export const gradeRequestSchema = z.strictObject({
  grader: graderNameSchema,
  /** One `SessionComparison` of the report (src/eval/compare-sessions.ts), as JSON. */
  comparison: z.record(z.string(), z.unknown()),
});
export type GradeRequest = z.infer<typeof gradeRequestSchema>;
