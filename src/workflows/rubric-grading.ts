/**
 * Grading by rubric, the pure parts: the model call that asks a profile's model for a verdict on one re-run (the
 * rubric, both transcripts as text, the verdict tool it must call), and the grade read from its answer. An answer
 * without a verdict, or with one that breaks the schema, is a grade with `error`, never a failure: the call was
 * made and paid for. Deterministic (workflow code).
 */
import { describeIssues } from '../shared/schemas/describe-issues.js';
import type { EvalGrade } from '../shared/schemas/grade.js';
import type { ModelCallRequest, ModelCallResponse } from '../shared/schemas/model-call.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';
import { RUBRIC_VERDICT_TOOL, rubricVerdictSchema, type RubricGradeRequest } from '../shared/schemas/rubric-grade.js';
import { buildModelRequest } from './model-request.js';
import { costNanoUsdOf } from './spend-ledger.js';

/** A verdict needs few tokens; a profile that allows more is not asked for more. */
const MAX_VERDICT_OUTPUT_TOKENS = 4096;

const SYSTEM = [
  'You grade one re-run of a recorded AI agent session against a rubric.',
  'Read the rubric, the recorded session and the re-run (their transcripts are text only; long ones are cut in the middle).',
  `Then call ${RUBRIC_VERDICT_TOOL.name} once: the score on the scale the rubric states (0..1 when it states none), a one-line verdict, and your reasons.`,
].join(' ');

/** The few figures of one side of a comparison the grader is told, read defensively (the comparison is JSON). */
function figures(side: unknown): string {
  const value = (side ?? {}) as Record<string, unknown>;
  const pick = (key: string) => (typeof value[key] === 'string' || typeof value[key] === 'number' ? `${key}="${String(value[key])}"` : '');
  return ['profile', 'model', 'outcome', 'turns', 'costUsd'].map(pick).filter(Boolean).join(' ');
}

/** The grading call under `profile`: no thinking (a forced tool call excludes it), no stop sequences, no cache. */
export function buildRubricRequest(profile: ResolvedProfile, request: RubricGradeRequest, sessionId: string): ModelCallRequest {
  const { comparison, transcripts, rubric } = request;
  const content = [
    `<rubric>\n${rubric.text}\n</rubric>`,
    `<recorded_session ${figures(comparison.recorded)}>\n${transcripts.recorded}\n</recorded_session>`,
    `<re_run ${figures(comparison.candidate)}>\n${transcripts.candidate}\n</re_run>`,
  ].join('\n\n');
  const call = buildModelRequest(profile, { sessionId, turn: 0, system: SYSTEM, messages: [{ role: 'user', content }], tools: [RUBRIC_VERDICT_TOOL] });
  delete call.thinking;
  delete call.stopSequences;
  delete call.cache;
  return { ...call, maxOutputTokens: Math.min(profile.maxOutputTokens, MAX_VERDICT_OUTPUT_TOKENS), toolChoice: 'any', inlineReply: true };
}

/** The grade in the model's answer, with what the call cost at the profile's prices. */
export function readRubricVerdict(profile: ResolvedProfile, request: RubricGradeRequest, response: ModelCallResponse): EvalGrade {
  const costUsd = costNanoUsdOf(response.usage, profile.pricing) / 1e9;
  const grader = request.rubric.name;
  const call = response.content.find((block) => block.type === 'tool_use' && block.name === RUBRIC_VERDICT_TOOL.name);
  if (!call || call.type !== 'tool_use') {
    const text = response.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join(' ');
    return { grader, costUsd, error: `the grading model (${profile.name}) answered without a verdict (stop reason ${response.stopReason ?? 'none'}): ${text.slice(0, 500)}` };
  }
  const verdict = rubricVerdictSchema.safeParse(call.input);
  if (!verdict.success) {
    return { grader, costUsd, error: `the grading model's verdict (${profile.name}) does not hold: ${describeIssues(verdict.error)}`.slice(0, 4_000) };
  }
  const { scale, score, verdict: words, reasons } = verdict.data;
  return { grader, score, scale, verdict: words, reasons, costUsd };
}
