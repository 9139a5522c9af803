/**
 * Runs an eval: each recorded session again as a new session on the candidate profile, driven by what its user did
 * (the messages sent after the opening one, the context resets asked for), its matched tool calls answered from the
 * record. At most `concurrency` at once; when the candidates' spend (with what grading by rubric used) reaches
 * `maxCostUsd`, no further session starts and the running ones are interrupted and cancelled. Client-side.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { readSandboxSnapshots, readSessionInput } from '../client/fork-session.js';
import type { SessionClient } from '../client/session-client.js';
import type { SessionHandle } from '../client/session-handle.js';
import { forkGrant } from '../codec/fork-grant.js';
import type { EvalGrade } from '../shared/schemas/grade.js';
import type { RubricGradeRequest } from '../shared/schemas/rubric-grade.js';
import type { TranscriptEntry } from '../shared/schemas/session-messages.js';
import { compareSessions, countToolCalls, type SessionComparison } from './compare-sessions.js';
import { changedSessions, describeChange, evalSessionId, type EvalReport, type EvalSessionResult } from './eval-report.js';
import { planEvalSession } from './plan-eval-session.js';
import { readSessionHistory } from './session-history.js';
import { retryQuery } from './retry-query.js';
import { readSessionOutcome, summarizeSession } from './session-summary.js';
import { transcriptText } from './transcript-text.js';
import { transcriptToolCalls } from './transcript-tool-calls.js';

export interface EvalOptions {
  client: Client;
  sessions: SessionClient;
  /** The recorded sessions' workflow ids. */
  sourceIds: string[];
  /** The candidate profile (its name on the workers). */
  profile: string;
  /** The workers' grant key (src/codec/fork-grant.ts): each eval session is granted read access to its source. */
  grantKey: Buffer;
  /** Sessions re-run at once. @default 4 */
  concurrency?: number;
  /** Spend cap for the whole eval, US dollars. @default none */
  maxCostUsd?: number;
  /** @default a random id; eval sessions are `eval-<evalId>-<n>` */
  evalId?: string;
  /** How often running sessions' spend is read against the cap, milliseconds. @default 500 */
  pollIntervalMs?: number;
  /** Graders on the workers (`defineGrader`) that grade each compared session, by name. @default none */
  graders?: string[];
  /** A rubric that a profile's model scores each compared session by (its spend counts against `maxCostUsd`). @default none */
  rubric?: RubricGradeRequest['rubric'];
  /**
   * Where the grading workflows run: the workers that have the graders and the rubric's profile.
   * @default `sessions.taskQueue`
   */
  graderTaskQueue?: string;
  /** Called with a line for each session that starts and ends. */
  onProgress?(line: string): void;
}

/** The workflow that runs a grader (src/workflows/grade-workflow.ts). */
const GRADE_WORKFLOW_TYPE = 'gradeEvalSession';

/** How long the eval waits for a session it cancelled to end before it goes on, milliseconds. */
const CANCELLED_SESSION_END_MS = 60_000;

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const finalStatuses = new Set(['completed', 'cancelled', 'limit_reached']);

/** Runs the eval. Per-session failures are reported in their row, never thrown. */
export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const evalId = options.evalId ?? randomUUID().slice(0, 8);
  const startedAt = new Date().toISOString();
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const progress = options.onProgress ?? (() => undefined);
  const results: EvalSessionResult[] = options.sourceIds.map((source) => ({ source }));
  /** Spend of each eval session, by workflow id: the last read while running, the final once ended. */
  const spend = new Map<string, number>();
  /** What grading by rubric cost, by eval session. */
  const graderSpend = new Map<string, number>();
  const running = new Map<string, SessionHandle>();
  let stoppedBySpendCap = false;
  const sum = (costs: Map<string, number>) => [...costs.values()].reduce((total, cost) => total + cost, 0);
  const spent = () => sum(spend) + sum(graderSpend);
  const capReached = () => options.maxCostUsd !== undefined && spent() >= options.maxCostUsd;

  const stopForCap = async () => {
    if (stoppedBySpendCap || !capReached()) return;
    stoppedBySpendCap = true;
    progress(`spend cap $${options.maxCostUsd} reached ($${spent().toFixed(4)}): no more sessions start; cancelling ${running.size} running`);
    await Promise.allSettled(
      [...running.values()].map(async (handle) => {
        await handle.interrupt('the eval reached its spend cap').catch(() => undefined);
        await handle.cancel().catch(() => undefined);
      }),
    );
  };

  let monitoring = true;
  const monitor = (async () => {
    while (monitoring && options.maxCostUsd !== undefined) {
      await Promise.allSettled(
        [...running.entries()].map(async ([id, handle]) => {
          const state = await handle.state();
          if (running.has(id)) spend.set(id, state.usage.costUsd);
        }),
      );
      await stopForCap();
      await sleep(options.pollIntervalMs ?? 500);
    }
  })();

  let next = 0;
  let done = 0;
  const runOne = async (index: number) => {
    const row = results[index]!;
    const evalSession = evalSessionId(evalId, index);
    try {
      const [input, snapshots, history, recordedOutcome] = await Promise.all([
        readSessionInput(options.client, row.source),
        readSandboxSnapshots(options.client, row.source),
        readSessionHistory(options.client, row.source),
        readSessionOutcome(options.client, options.sessions.getHandle(row.source)),
      ]);
      const { transcript } = recordedOutcome;
      const recorded = summarizeSession(row.source, recordedOutcome.state, recordedOutcome.transcript, history, recordedOutcome.ending);
      const planned = planEvalSession(input, transcript, snapshots, {
        sourceId: row.source,
        profile: options.profile,
        grant: forkGrant(options.grantKey, row.source, evalSession),
        evalId,
      });
      if (stoppedBySpendCap) throw new Error('not started: the eval reached its spend cap');
      const handle = await options.sessions.start(planned, { workflowId: evalSession });
      row.evalSession = evalSession;
      running.set(evalSession, handle);
      progress(`[${index + 1}/${results.length}] ${row.source} -> ${evalSession} started on ${options.profile}`);
      await drive(handle, planned.mode, history.steps, () => stoppedBySpendCap);
      const outcome = await readSessionOutcome(options.client, handle);
      running.delete(evalSession);
      spend.set(evalSession, outcome.state.usage.costUsd);
      // A chat session waits for input forever: the eval ends it once its user's part is done, and waits for its end
      // (its sandbox cleaned up) while the workers, which may be the eval's own, still run.
      if (!finalStatuses.has(outcome.state.status) && !outcome.ending) {
        await handle.cancel().catch(() => undefined);
        await Promise.race([handle.result().catch(() => undefined), sleep(CANCELLED_SESSION_END_MS)]);
      }
      const candidateHistory = await readSessionHistory(options.client, evalSession);
      const candidate = summarizeSession(evalSession, outcome.state, outcome.transcript, candidateHistory, outcome.ending);
      const counts = countToolCalls(planned.replay!, candidate, transcriptToolCalls(outcome.transcript));
      row.comparison = compareSessions(recorded, candidate, counts);
      const grades = await gradeSession(options, evalSession, row.comparison, { recorded: transcript, candidate: outcome.transcript });
      if (grades.length > 0) row.grades = grades;
      const rubricCost = grades.reduce((total, grade) => total + (grade.costUsd ?? 0), 0);
      if (rubricCost > 0) graderSpend.set(evalSession, rubricCost);
      done += 1;
      progress(
        `[${done}/${results.length}] ${row.source}: ${describeChange(row.comparison)} (${recorded.outcome} -> ${candidate.outcome}, ` +
          `$${recorded.costUsd.toFixed(4)} -> $${candidate.costUsd.toFixed(4)}, tool calls ${counts.replayed} replayed, ${counts.ran} ran, ${counts.notRun} not run)`,
      );
    } catch (error) {
      running.delete(evalSession);
      row.error = describeError(error);
      if (row.evalSession) {
        // What it used before it stopped still counts.
        const state = await retryQuery(() => options.sessions.getHandle(evalSession).state()).catch(() => undefined);
        if (state) spend.set(evalSession, state.usage.costUsd);
      }
      done += 1;
      progress(`[${done}/${results.length}] ${row.source}: ${row.error}`);
    }
  };

  const lanes = Array.from({ length: Math.min(concurrency, results.length) }, async () => {
    while (next < results.length) {
      const index = next;
      next += 1;
      if (stoppedBySpendCap) {
        results[index]!.error = 'not started: the eval reached its spend cap';
        continue;
      }
      await runOne(index);
      await stopForCap();
    }
  });
  await Promise.all(lanes);
  monitoring = false;
  await monitor;
  return {
    evalId,
    candidateProfile: options.profile,
    startedAt,
    finishedAt: new Date().toISOString(),
    ...(options.maxCostUsd !== undefined ? { maxCostUsd: options.maxCostUsd } : {}),
    stoppedBySpendCap,
    spendUsd: sum(spend),
    graderSpendUsd: sum(graderSpend),
    ...(options.rubric ? { rubric: { name: options.rubric.name, profile: options.rubric.profile } } : {}),
    sessions: results,
    changed: changedSessions(results),
  };
}

/**
 * Grades one compared session with each named grader and the rubric: a `gradeEvalSession` workflow for each (a
 * grader runs as its activity on the workers; a rubric is scored by its profile's model there). A grading that
 * fails gives a grade with its error, never a lost row.
 */
async function gradeSession(
  options: EvalOptions,
  evalSession: string,
  comparison: SessionComparison,
  transcripts: { recorded: TranscriptEntry[]; candidate: TranscriptEntry[] },
): Promise<EvalGrade[]> {
  const json = comparison as unknown as Record<string, unknown>;
  const requests: Array<{ grader: string; id: string; request: object }> = (options.graders ?? []).map((grader) => ({
    grader,
    id: `${evalSession}/grade-${grader}`,
    request: { grader, comparison: json },
  }));
  if (options.rubric) {
    const request: RubricGradeRequest = {
      rubric: options.rubric,
      comparison: json,
      transcripts: { recorded: transcriptText(transcripts.recorded), candidate: transcriptText(transcripts.candidate) },
    };
    requests.push({ grader: options.rubric.name, id: `${evalSession}/rubric-${options.rubric.name}`, request });
  }
  return Promise.all(
    requests.map(async ({ grader, id, request }): Promise<EvalGrade> => {
      try {
        return await options.client.workflow.execute(GRADE_WORKFLOW_TYPE, { taskQueue: options.graderTaskQueue ?? options.sessions.taskQueue, workflowId: id, args: [request] });
      } catch (error) {
        return { grader, error: `the grading failed: ${describeError(error)}`.slice(0, 4_000) };
      }
    }),
  );
}

/** An error's message with its causes (a failed query says why only in its cause). */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current !== undefined && parts.length < 4; current = (current as { cause?: unknown }).cause) {
    parts.push(current instanceof Error ? current.message : String(current));
    if (!(current instanceof Error)) break;
  }
  return parts.join(': ');
}

/**
 * Plays the recorded user's part against the new session: a task session runs by itself; a chat session gets each
 * later message once it waits for input, and each context reset before the message that followed it.
 */
async function drive(handle: SessionHandle, mode: 'task' | 'chat', steps: Awaited<ReturnType<typeof readSessionHistory>>['steps'], stopped: () => boolean): Promise<void> {
  if (mode === 'task') {
    // Its end (also a cancellation by the spend cap, or a failure) is read from the session afterwards.
    await handle.result().catch(() => undefined);
    return;
  }
  const settled = async () => {
    for (;;) {
      const state = await retryQuery(() => handle.state());
      if (state.status !== 'running') return state.status;
      await sleep(100);
    }
  };
  for (const step of steps) {
    const status = await settled();
    if (status !== 'waiting_for_input' || stopped()) return;
    if (step.kind === 'reset') await handle.resetContext(step.request);
    else await handle.sendMessage(step.content);
  }
  await settled();
}
