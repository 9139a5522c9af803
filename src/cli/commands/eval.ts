/**
 * `keel eval [ids...] --profile <name> | --profile-file <file>`: re-runs recorded sessions (by id, or those a
 * visibility query or `--since` picks) as new sessions on a candidate profile, their matched tool calls answered
 * from the record, and writes a report (JSON, markdown, HTML with charts) that puts each recorded session beside its
 * re-run, graded by the workers' graders and/or a rubric that a profile's model scores. A candidate from a file runs
 * on a worker of the eval's own, in this process (eval-worker.ts).
 */
import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { SessionClient } from '../../client/session-client.js';
import { sessionListQuery } from '../../client/session-list-query.js';
import { ConfigError, ValidationError } from '../../errors.js';
import { evalTaskQueue, readCandidateProfile, startEvalWorker, type CandidateProfile } from '../../worker/eval-worker.js';
import { MAX_RUBRIC_CHARACTERS, type RubricGradeRequest } from '../../shared/schemas/rubric-grade.js';
import { EVAL_SESSION_PREFIX, evalSessionId } from '../../eval/eval-report.js';
import { renderHtml } from '../../eval/render-html.js';
import { renderMarkdown } from '../../eval/render-markdown.js';
import { recordInputs, readSessionInputs } from '../../eval/record-inputs.js';
import { runEval } from '../../eval/run-eval.js';
import type { SessionInput } from '../../shared/schemas/session-input.js';
import { CliError } from '../cli-context.js';
import { cliGrantKey } from '../cli-grant-key.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { parseDuration } from '../parse-duration.js';

interface EvalFlags {
  profile?: string;
  profileFile?: string;
  rubric?: string;
  graderProfile?: string;
  query?: string;
  since?: string;
  limit: string;
  concurrency: string;
  maxCostUsd?: string;
  out?: string;
  id?: string;
  grader?: string[];
  inputs?: string;
}

/** The rubric file as the grading request carries it: named for the file, its text within bounds. */
function readRubric(file: string, profile: string): RubricGradeRequest['rubric'] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`--rubric ${file}: cannot read it: ${(error as Error).message}`, 2);
  }
  if (text.trim() === '') throw new CliError(`--rubric ${file}: the rubric is empty`, 2);
  if (text.length > MAX_RUBRIC_CHARACTERS) throw new CliError(`--rubric ${file}: ${text.length} characters, at most ${MAX_RUBRIC_CHARACTERS}`, 2);
  const name = basename(file, extname(file)).replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64) || 'rubric';
  return { name, text, profile };
}

/**
 * Ends the eval sessions still open on the eval's own worker before it stops (a session left open on a task queue
 * nobody polls would wait forever): cancelled, then terminated if they have not ended within a while.
 */
async function closeEvalSessions(client: Client, ids: string[]): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      const handle = client.workflow.getHandle(id);
      const open = async () => (await handle.describe().catch(() => undefined))?.status.name === 'RUNNING';
      if (!(await open())) return;
      await handle.cancel().catch(() => undefined);
      const ended = await Promise.race([handle.result().then(() => true, () => true), new Promise<false>((done) => setTimeout(() => done(false), 30_000))]);
      if (!ended && (await open())) await handle.terminate('the eval ended and its worker stopped').catch(() => undefined);
    }),
  );
}

function positiveNumber(text: string, flag: string, whole: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value))) throw new CliError(`${flag} ${text}: expected a ${whole ? 'whole ' : ''}number > 0`, 2);
  return value;
}

export function registerEval(program: Command, io: ActionEnvironment): void {
  program
    .command('eval')
    .description('re-run recorded sessions on a candidate profile (matched tool calls replayed from the record) and report what changed')
    .argument('[ids...]', 'recorded session ids (or pick them with --query / --since)')
    .option('-p, --profile <name>', 'the candidate profile: a name the workers know (or, with --profile-file, the one to take from that file)')
    .option('--profile-file <file>', 'the candidate as a profiles file (YAML or JSON, as KEEL_PROFILES), run on a worker of the eval\'s own in this process, with this environment\'s model credentials')
    .option('--query <visibility query>', 'pick the recorded sessions with a visibility clause')
    .option('--since <duration>', 'pick the sessions started within this long, e.g. 24h')
    .option('--inputs <file>', 'session inputs (a JSON array, or one per line): each first runs on its own profile as the recording')
    .option('--limit <n>', 'at most this many picked sessions', '50')
    .option('--concurrency <n>', 'sessions re-run at once', '4')
    .option('--max-cost-usd <usd>', 'spend cap for the whole eval: then no session starts and running ones are cancelled')
    .option('--out <dir>', 'where the report goes (report.json, report.md, report.html)', undefined)
    .option('--id <evalId>', 'the eval\'s id (its sessions are eval-<id>-<n>)')
    .option('--grader <name>', 'grade each compared session with this grader of the workers (defineGrader); repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--rubric <file.md>', 'grade each compared session by this rubric, scored by the model of --grader-profile')
    .option('--grader-profile <name>', 'the workers\' profile whose model scores --rubric (its spend counts against --max-cost-usd)')
    .addHelpText('after', '\nExamples:\n  keel eval --since 24h --profile claude-sonnet-4-5 --max-cost-usd 5\n  keel eval session-0d5c... session-9a1e... --profile candidate --out eval-report\n  keel eval --since 24h --profile-file candidate.yaml --rubric rubric.md --grader-profile claude-sonnet-5-5')
    .action(
      defineAction<EvalFlags>(io, async (context, ids, flags) => {
        const concurrency = positiveNumber(flags.concurrency, '--concurrency', true);
        const limit = positiveNumber(flags.limit, '--limit', true);
        const maxCostUsd = flags.maxCostUsd === undefined ? undefined : positiveNumber(flags.maxCostUsd, '--max-cost-usd', false);
        if (ids.length === 0 && !flags.query && !flags.since && !flags.inputs) throw new CliError('name recorded sessions by id, pick them with --query or --since, or give --inputs', 2);
        if (!flags.profile && !flags.profileFile) throw new CliError('name the candidate: --profile <name> (a profile the workers know) or --profile-file <file>', 2);
        if ((flags.rubric === undefined) !== (flags.graderProfile === undefined)) throw new CliError('--rubric and --grader-profile go together: the rubric, and the profile whose model scores it', 2);
        const rubric = flags.rubric && flags.graderProfile ? readRubric(flags.rubric, flags.graderProfile) : undefined;
        let candidate: CandidateProfile | undefined;
        try {
          if (flags.profileFile) candidate = readCandidateProfile(flags.profileFile, flags.profile, io.environment);
        } catch (error) {
          if (ConfigError.isInstance(error)) throw new CliError(`--profile-file ${error.message}`, 2);
          throw error;
        }
        const profile = candidate?.name ?? flags.profile!;
        let inputs: SessionInput[] = [];
        try {
          if (flags.inputs) inputs = readSessionInputs(flags.inputs);
        } catch (error) {
          if (ValidationError.isInstance(error)) throw new CliError(error.message, 2);
          throw error;
        }
        const evalId = flags.id ?? randomUUID().slice(0, 8);
        const grantKey = cliGrantKey(io.environment);
        const client = await context.client();
        const sourceIds = [...ids];
        if (flags.query || flags.since) {
          let query: string;
          try {
            query = sessionListQuery({
              ...(flags.since ? { startedAfter: new Date(Date.now() - parseDuration(flags.since, '--since')) } : {}),
              ...(flags.query ? { query: flags.query } : {}),
            });
          } catch (error) {
            if (ValidationError.isInstance(error)) throw new CliError(error.message, 2);
            throw error;
          }
          for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
            // An eval's own sessions are re-runs, not recordings to evaluate.
            if (!info.workflowId.startsWith(EVAL_SESSION_PREFIX) && !sourceIds.includes(info.workflowId)) sourceIds.push(info.workflowId);
            if (sourceIds.length >= limit) break;
          }
        }
        if (inputs.length > 0) sourceIds.push(...(await recordInputs(await context.sessions(), inputs, { evalId, concurrency, onProgress: (line) => context.note(line) })));
        if (sourceIds.length === 0) throw new CliError('no recorded sessions match', 1);
        const shared = await context.sessions();
        const evalWorker = candidate
          ? startEvalWorker({
              candidate,
              taskQueue: evalTaskQueue(evalId),
              environment: io.environment,
              ...(context.options.address ? { address: context.options.address } : {}),
              ...(context.options.namespace ? { namespace: context.options.namespace } : {}),
              grantKey,
              logDestination: { write: (line) => context.note(line.trimEnd()) },
            })
          : undefined;
        if (evalWorker) context.note(`${candidate!.name} (from ${flags.profileFile}) runs on the eval's own worker, task queue ${evalWorker.taskQueue}`);
        let report;
        try {
          await evalWorker?.ready(client);
          const running = runEval({
            client,
            sessions: evalWorker ? new SessionClient({ client, taskQueue: evalWorker.taskQueue }) : shared,
            graderTaskQueue: shared.taskQueue,
            sourceIds,
            profile,
            grantKey,
            concurrency,
            ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
            evalId,
            ...(flags.grader ? { graders: flags.grader } : {}),
            ...(rubric ? { rubric } : {}),
            onProgress: (line) => context.note(line),
          });
          report = await (evalWorker ? Promise.race([running, evalWorker.failed]) : running);
        } finally {
          if (evalWorker) {
            await closeEvalSessions(client, sourceIds.map((_, index) => evalSessionId(evalId, index)));
            await evalWorker.stop();
          }
        }
        if (flags.profileFile) report = { ...report, candidateProfileFile: resolve(flags.profileFile) };
        const out = resolve(flags.out ?? `keel-eval-${report.evalId}`);
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
        writeFileSync(join(out, 'report.md'), renderMarkdown(report));
        writeFileSync(join(out, 'report.html'), renderHtml(report));
        if (context.options.json) {
          context.printJson(report);
          return;
        }
        const { style } = context;
        const failed = report.sessions.filter((row) => row.error).length;
        context.print(
          `${style.bold(`eval ${report.evalId}`)}: ${report.sessions.length} sessions on ${report.candidateProfile}, ${report.changed.length} changed` +
            `${failed > 0 ? `, ${failed} not compared` : ''}; spend $${report.spendUsd.toFixed(4)}` +
            `${report.rubric ? ` (and $${report.graderSpendUsd.toFixed(4)} grading by rubric)` : ''}${report.stoppedBySpendCap ? ' (stopped at the spend cap)' : ''}`,
        );
        for (const id of report.changed) context.print(`  changed: ${id}`);
        context.print(style.dim(`  report: ${join(out, 'report.md')}, ${join(out, 'report.html')}, ${join(out, 'report.json')}`));
      }),
    );
}
