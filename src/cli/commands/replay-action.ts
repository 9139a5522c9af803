/**
 * The body of `keel replay` (see replay.ts): reads the histories, replays them against this build's workflow code
 * and reports each. Loaded only when a replay runs. Client-side tooling.
 */
import type { Client } from '@temporalio/client';
import inspector from 'node:inspector';
import { join, resolve } from 'node:path';
import { dataConverterFromEnvironment } from '../../codec/data-converter-from-environment.js';
import { sessionListQuery } from '../../client/session-list-query.js';
import { ValidationError } from '../../errors.js';
import { installQuietRuntime } from '../../replay/quiet-runtime.js';
import { expandHistoryPaths, readHistoryFile, writeHistoryFile } from '../../replay/history-files.js';
import {
  createReplayBundle,
  replayHistories,
  reproducesRecordedEnd,
  type HistorySource,
  type RecordedEnd,
  type ReplayReport,
} from '../../replay/replay-histories.js';
import type { ReplayOutcome } from '../../replay/workflow/replay-outcome-interceptor.js';
import { CliError, type CliContext } from '../cli-context.js';
import { parseDuration } from '../parse-duration.js';
import type { Style } from '../output/style.js';

export interface ReplayFlags {
  file?: string[];
  runId?: string;
  since?: string;
  query?: string;
  /** Every open session: the gate before a new worker build takes traffic. */
  open?: boolean;
  limit: string;
  workflows?: string;
  save?: string;
  inspect?: boolean | string;
}

function resultStatus(result: unknown): string {
  const status = (result as { status?: unknown } | undefined)?.status;
  return typeof status === 'string' ? ` (${status})` : '';
}

function describeRecorded(end: RecordedEnd): string {
  switch (end.kind) {
    case 'completed':
      return `completed${resultStatus(end.result)}`;
    case 'failed':
    case 'terminated':
      return `${end.kind}: ${end.message}`;
    case 'open':
      return 'still open';
    default:
      return end.kind;
  }
}

function describeReplayed(outcome: ReplayOutcome | undefined): string {
  if (!outcome) return 'stopped where the history ends (the session was still open)';
  if (outcome.kind === 'failed') return `failed: ${outcome.message}`;
  if (outcome.kind === 'completed') return `completed${resultStatus(outcome.result)}`;
  return 'continued as new';
}

export function renderReplayReport(report: ReplayReport, style: Style): string[] {
  const name = style.bold(report.workflowId);
  const origin = report.origin ? style.dim(` ${report.origin}`) : '';
  if (!report.deterministic && report.divergence) {
    const { divergence } = report;
    return [
      `${style.red('✘ NOT deterministic')} ${name}${origin}`,
      `    diverges at ${style.bold(divergence.event ?? 'an unnamed event')}`,
      `    ${divergence.difference}`,
      style.dim(`    (${divergence.raw})`),
    ];
  }
  if (report.error) return [`${style.red('✘ replay failed')} ${name}${origin}`, `    ${report.error}`];
  const reproduced = reproducesRecordedEnd(report);
  const verdict =
    report.recorded.kind === 'failed'
      ? reproduced
        ? style.yellow('the failure reproduces with this code')
        : style.green('this code ends differently')
      : reproduced
        ? style.dim('same end')
        : style.yellow('this code ends differently');
  return [
    `${style.green('✔ deterministic')} ${name}${origin} ${style.dim(`(${report.eventCount} events)`)}`,
    `    recorded: ${describeRecorded(report.recorded)}`,
    `    replayed: ${describeReplayed(report.replayed)}`,
    `    ${verdict}`,
  ];
}

async function* serverHistories(client: Client, query: string, limit: number): AsyncGenerator<HistorySource> {
  let count = 0;
  for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    if (count >= limit) return;
    count += 1;
    const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
    yield { workflowId: info.workflowId, history, origin: `run ${info.runId}` };
  }
}

async function* saving(sources: AsyncIterable<HistorySource>, save: string | undefined, single: boolean, context: CliContext): AsyncGenerator<HistorySource> {
  for await (const source of sources) {
    if (save) {
      const path = single ? save : join(save, `${source.workflowId}.json`);
      await writeHistoryFile(path, source.history);
      context.note(`saved ${path}`);
    }
    yield source;
  }
}

/** Opens the inspector and waits until a debugger attaches. `--inspect` alone means 127.0.0.1:9229. */
function openInspector(option: boolean | string, context: CliContext): void {
  if (inspector.url()) return;
  const [host, portText] = typeof option === 'string' ? (option.includes(':') ? option.split(':') : ['127.0.0.1', option]) : ['127.0.0.1', '9229'];
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--inspect ${String(option)}: expected [host:]port`, 2);
  inspector.open(port, host, false);
  context.note(`keel replay: debugger listening on ${inspector.url()}`);
  context.note('  attach with chrome://inspect or your editor (Node: attach); the replay stops as each workflow starts:');
  context.note('  set breakpoints in src/workflows/*.ts there, then continue.');
  inspector.waitForDebugger();
}

/** Runs `keel replay`; returns the exit code (1 when a history is not deterministic or fails to replay). */
export async function replayAction(context: CliContext, workflowId: string | undefined, flags: ReplayFlags): Promise<number> {
  const fromServer = flags.since !== undefined || flags.query !== undefined || flags.open === true;
  const modes = [workflowId !== undefined, (flags.file ?? []).length > 0, fromServer].filter(Boolean).length;
  if (modes !== 1) throw new CliError('say what to replay: a workflow id, --file, or --since / --query / --open', 2);
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit <= 0) throw new CliError(`--limit ${flags.limit}: expected a whole number > 0`, 2);
  installQuietRuntime();

  let sources: AsyncIterable<HistorySource>;
  if (flags.file && flags.file.length > 0) {
    let files: string[];
    try {
      files = await expandHistoryPaths(flags.file);
    } catch (error) {
      if (error instanceof ValidationError) throw new CliError(error.message, 2);
      throw error;
    }
    if (files.length === 0) throw new CliError(`no .json history files in ${flags.file.join(', ')}`, 2);
    sources = (async function* () {
      for (const file of files) yield await readHistoryFile(file);
    })();
  } else if (workflowId !== undefined) {
    const client = await context.client();
    const history = await client.workflow.getHandle(workflowId, flags.runId).fetchHistory();
    sources = saving((async function* () {
      yield { workflowId, history, origin: 'server' };
    })(), flags.save, true, context);
  } else {
    // Open sessions are the ones a new build will run: their histories so far must replay on it.
    const clauses = [flags.open ? `ExecutionStatus = 'Running'` : undefined, flags.query].filter((clause): clause is string => clause !== undefined && clause.trim() !== '');
    const query = sessionListQuery({
      ...(flags.since ? { startedAfter: new Date(Date.now() - parseDuration(flags.since, '--since')) } : {}),
      ...(clauses.length > 0 ? { query: clauses.join(' AND ') } : {}),
    });
    context.note(context.style.dim(`replaying sessions matching: ${query}`));
    sources = saving(serverHistories(await context.client(), query, limit), flags.save, false, context);
  }

  if (flags.inspect !== undefined && flags.inspect !== false) openInspector(flags.inspect, context);
  const bundle = await createReplayBundle({
    ...(flags.workflows ? { workflowsPath: resolve(flags.workflows) } : {}),
    breakAtWorkflowStart: flags.inspect !== undefined && flags.inspect !== false,
  });
  const reports: ReplayReport[] = [];
  // Sealed histories (KEEL_ENCRYPTION_KEYS) replay with the same key ring the workers use.
  const dataConverter = dataConverterFromEnvironment();
  for await (const report of replayHistories(sources, bundle, dataConverter)) {
    reports.push(report);
    if (context.options.json) context.printJson(report, { lines: true });
    else for (const line of renderReplayReport(report, context.style)) context.print(line);
  }
  const failed = reports.filter((report) => !report.deterministic || report.error).length;
  if (!context.options.json) {
    if (reports.length === 0) context.print(context.style.dim('no histories to replay'));
    else {
      const summary = `${reports.length} replayed, ${reports.length - failed} deterministic, ${failed} not`;
      context.print(failed > 0 ? context.style.red(summary) : context.style.green(summary));
    }
  }
  return failed > 0 ? 1 : 0;
}
