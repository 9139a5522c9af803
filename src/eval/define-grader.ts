/**
 * `defineGrader`: a team's own judgement of an eval session, in TypeScript. Registered on the workers
 * (`runWorker({ graders })`), it runs as the `gradeSession` activity of a `gradeEvalSession` workflow that
 * `keel eval --grader <name>` starts for each compared session, so a grader that calls a model or reads files does
 * so on the workers, with Temporal's retries. Worker-side.
 */
import { ConfigError } from '../errors.js';
import { graderNameSchema } from '../shared/schemas/grade.js';
import type { SessionComparison } from './compare-sessions.js';

/** What a grader answers: a score in 0..1 and/or pass or fail, with notes for the report. */
export interface GraderVerdict {
  score?: number;
  pass?: boolean;
  notes?: string;
}

export interface DefineGraderOptions {
  /** The name `keel eval --grader` asks for: letters, digits, `_`, `.` and `-`, at most 64. */
  name: string;
  /** Grades one recorded session and its re-run. A thrown error is retried (3 attempts), then reported. */
  grade(comparison: SessionComparison): GraderVerdict | Promise<GraderVerdict>;
}

export interface GraderDefinition {
  readonly name: string;
  grade(comparison: SessionComparison): GraderVerdict | Promise<GraderVerdict>;
}

/** @throws ConfigError when the name is not one a grader may have. */
export function defineGrader(options: DefineGraderOptions): GraderDefinition {
  if (!graderNameSchema.safeParse(options.name).success) throw new ConfigError(`grader name "${options.name}": letters, digits, \`_\`, \`.\` and \`-\`, at most 64`);
  return { name: options.name, grade: options.grade };
}
