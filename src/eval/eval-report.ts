/**
 * What `keel eval` produces: one comparison per recorded session, the eval's own spend (the sum of its sessions'
 * usage), and the sessions whose outcome, tool-call sequence or final text changed. Written as JSON, markdown and
 * an HTML page (render-markdown.ts, render-html.ts). Client-side.
 */
import type { EvalGrade } from '../shared/schemas/grade.js';
import type { SessionComparison } from './compare-sessions.js';

/** Eval sessions are `eval-<evalId>-<n>`; a pick by query leaves them out. */
export const EVAL_SESSION_PREFIX = 'eval-';

/** The workflow id of an eval's session for its `index`th recorded session (from 0). */
export const evalSessionId = (evalId: string, index: number): string => `${EVAL_SESSION_PREFIX}${evalId}-${index + 1}`;

export type { EvalGrade } from '../shared/schemas/grade.js';

export interface EvalSessionResult {
  /** The recorded session's workflow id. */
  source: string;
  /** The candidate session's workflow id, once started. */
  evalSession?: string;
  comparison?: SessionComparison;
  grades?: EvalGrade[];
  /** Why the recorded session was not compared: it could not be read, the re-run failed, the spend cap stopped it. */
  error?: string;
}

export interface EvalReport {
  evalId: string;
  candidateProfile: string;
  /** The profiles file the candidate came from (`--profile-file`): it ran on the eval's own worker. */
  candidateProfileFile?: string;
  startedAt: string;
  finishedAt: string;
  maxCostUsd?: number;
  /** True when the spend cap stopped the eval: sessions not yet started were left out, running ones cancelled. */
  stoppedBySpendCap: boolean;
  /** What the eval's sessions used, summed (US dollars). */
  spendUsd: number;
  /** What grading by rubric used (its model calls), US dollars; with `spendUsd` it counts against `maxCostUsd`. */
  graderSpendUsd: number;
  /** The rubric and the profile that scored it, when the eval was graded by rubric. */
  rubric?: { name: string; profile: string };
  sessions: EvalSessionResult[];
  /** The recorded sessions whose re-run changed outcome, tool-call sequence or final text. */
  changed: string[];
}

/** The ids of the recorded sessions whose comparison shows a change. */
export function changedSessions(sessions: EvalSessionResult[]): string[] {
  return sessions
    .filter(({ comparison }) => comparison && (comparison.changed.outcome || comparison.changed.toolCalls || comparison.changed.text))
    .map(({ source }) => source);
}

/** Which parts of a session changed, as words (`outcome, tools, text`), or `same`. */
export function describeChange(comparison: SessionComparison): string {
  const parts = [comparison.changed.outcome ? 'outcome' : '', comparison.changed.toolCalls ? 'tools' : '', comparison.changed.text ? 'text' : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'same';
}

/** A grade in a few words: `quality: 4/5, good`, `same-text: pass`, or `quality: grading error: ...`. */
export function describeGrade(grade: EvalGrade): string {
  if (grade.error !== undefined) return `${grade.grader}: grading error: ${grade.error}`;
  const score = grade.score === undefined ? undefined : grade.scale === '1..5' ? `${grade.score}/5` : String(grade.score);
  const parts = [score, grade.pass === undefined ? undefined : grade.pass ? 'pass' : 'fail', grade.verdict].filter((part) => part !== undefined && part !== '');
  return `${grade.grader}: ${parts.length > 0 ? parts.join(', ') : 'no verdict'}`;
}
