/**
 * `keel eval [ids...] --profile <name>`: re-runs recorded sessions (by id, or those a visibility query or `--since`
 * picks) as new sessions on a candidate profile, their matched tool calls answered from the record, and writes a
 * report (JSON, markdown, HTML with charts) that puts each recorded session beside its re-run.
 */
import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sessionListQuery } from '../../client/session-list-query.js';
import { ValidationError } from '../../errors.js';
import { EVAL_SESSION_PREFIX } from '../../eval/eval-report.js';
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
  profile: string;
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
    .requiredOption('-p, --profile <name>', 'the candidate profile (a name the workers know)')
    .option('--query <visibility query>', 'pick the recorded sessions with a visibility clause')
    .option('--since <duration>', 'pick the sessions started within this long, e.g. 24h')
    .option('--inputs <file>', 'session inputs (a JSON array, or one per line): each first runs on its own profile as the recording')
    .option('--limit <n>', 'at most this many picked sessions', '50')
    .option('--concurrency <n>', 'sessions re-run at once', '4')
    .option('--max-cost-usd <usd>', 'spend cap for the whole eval: then no session starts and running ones are cancelled')
    .option('--out <dir>', 'where the report goes (report.json, report.md, report.html)', undefined)
    .option('--id <evalId>', 'the eval\'s id (its sessions are eval-<id>-<n>)')
    .option('--grader <name>', 'grade each compared session with this grader of the workers (defineGrader); repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .addHelpText('after', '\nExamples:\n  keel eval --since 24h --profile claude-sonnet-4-5 --max-cost-usd 5\n  keel eval session-0d5c... session-9a1e... --profile candidate --out eval-report')
    .action(
      defineAction<EvalFlags>(io, async (context, ids, flags) => {
        const concurrency = positiveNumber(flags.concurrency, '--concurrency', true);
        const limit = positiveNumber(flags.limit, '--limit', true);
        const maxCostUsd = flags.maxCostUsd === undefined ? undefined : positiveNumber(flags.maxCostUsd, '--max-cost-usd', false);
        if (ids.length === 0 && !flags.query && !flags.since && !flags.inputs) throw new CliError('name recorded sessions by id, pick them with --query or --since, or give --inputs', 2);
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
        const report = await runEval({
          client,
          sessions: await context.sessions(),
          sourceIds,
          profile: flags.profile,
          grantKey,
          concurrency,
          ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
          evalId,
          ...(flags.grader ? { graders: flags.grader } : {}),
          onProgress: (line) => context.note(line),
        });
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
            `${failed > 0 ? `, ${failed} not compared` : ''}; spend $${report.spendUsd.toFixed(4)}${report.stoppedBySpendCap ? ' (stopped at the spend cap)' : ''}`,
        );
        for (const id of report.changed) context.print(`  changed: ${id}`);
        context.print(style.dim(`  report: ${join(out, 'report.md')}, ${join(out, 'report.html')}, ${join(out, 'report.json')}`));
      }),
    );
}
