/**
 * Grading an eval session by rubric (`keel eval --rubric <file.md> --grader-profile <name>`): what the
 * `gradeEvalSession` workflow takes (the rubric, the profile that scores it, one comparison and both transcripts as
 * text), the verdict tool the model answers through, and what that verdict must hold. Bundle-safe.
 */
import { z } from 'zod';
import { graderNameSchema, gradeScaleRange, gradeScaleSchema } from './grade.js';
import type { ToolSpec } from './model-call.js';

/** The most a rubric may hold, characters. */
export const MAX_RUBRIC_CHARACTERS = 32_000;
/** The most of each transcript the grading model reads, characters (transcript-text.ts keeps its head and tail). */
export const MAX_GRADED_TRANSCRIPT_CHARACTERS = 24_000;

export const rubricGradeRequestSchema = z.strictObject({
  rubric: z.strictObject({
    /** The grade's name in the report (the rubric file's name). */
    name: graderNameSchema,
    text: z.string().min(1).max(MAX_RUBRIC_CHARACTERS),
    /** A profile on the workers: its model, provider and prices score the rubric. */
    profile: z.string().min(1).max(200),
  }),
  /** One `SessionComparison` of the report (src/eval/compare-sessions.ts), as JSON. */
  comparison: z.record(z.string(), z.unknown()),
  transcripts: z.strictObject({
    recorded: z.string().max(MAX_GRADED_TRANSCRIPT_CHARACTERS),
    candidate: z.string().max(MAX_GRADED_TRANSCRIPT_CHARACTERS),
  }),
});
export type RubricGradeRequest = z.infer<typeof rubricGradeRequestSchema>;

/** What the grading model must put in its `record_verdict` call. */
export const rubricVerdictSchema = z
  .object({
    scale: gradeScaleSchema,
    // Bounded here as well as by scale below: a score off every scale is named even when another field is wrong.
    score: z.number().min(0).max(5),
    verdict: z.string().min(1).max(1_000),
    reasons: z.array(z.string().max(2_000)).max(20),
  })
  .superRefine((verdict, context) => {
    const [low, high] = gradeScaleRange[verdict.scale];
    if (verdict.score < low || verdict.score > high) context.addIssue({ code: 'custom', path: ['score'], message: `${verdict.score} is outside the scale ${verdict.scale}` });
  });
export type RubricVerdict = z.infer<typeof rubricVerdictSchema>;

/** The one tool the grading model is offered, and must call. */
export const RUBRIC_VERDICT_TOOL: ToolSpec = {
  name: 'record_verdict',
  description: 'Records your verdict on the re-run against the rubric. Call it exactly once.',
  inputSchema: {
    type: 'object',
    properties: {
      scale: { type: 'string', enum: ['0..1', '1..5'], description: 'The scale the rubric states; 0..1 when it states none.' },
      score: { type: 'number', description: 'The score on that scale.' },
      verdict: { type: 'string', description: 'The verdict in one line.' },
      reasons: { type: 'array', items: { type: 'string' }, description: 'The reasons for the score, one per item, citing the transcripts.' },
    },
    required: ['scale', 'score', 'verdict', 'reasons'],
  },
};
