/**
 * Replays recorded session histories against workflow code (by default this build's), one at a time, and reports
 * for each whether the code is deterministic against it, where it diverged if not, and how the workflow ended in
 * the replay compared with how it ended when recorded (so a recorded failure is seen to reproduce). Worker-side
 * tooling behind `keel replay`, the replay tests and the pre-deploy gate.
 *
 * Replay runs workflow code in the main thread (the SDK's replay worker is in debug mode), so a debugger attached
 * to this process (`keel replay --inspect`) stops at breakpoints in `src/workflows/*.ts` through the bundle's
 * inline source maps.
 */
import type { DataConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { siblingModulePath } from '../internal/sibling-module-path.js';
import { closingFailure, payloadValue, type HistoryEvent } from '../client/history-events.js';
import { workflowBundleOptions } from '../worker/workflow-bundle.js';
import { describeDivergence, type Divergence } from './describe-divergence.js';
import type { ReplayOutcome, ReplayOutcomeSinks } from './workflow/replay-outcome-interceptor.js';

const outcomeInterceptorPath = siblingModulePath('./workflow/replay-outcome-interceptor', import.meta.url);
const debuggerInterceptorPath = siblingModulePath('./workflow/replay-debugger-interceptor', import.meta.url);

/** One history to replay. */
export interface HistorySource {
  workflowId: string;
  history: History;
  /** Where it came from (a file path, or `server`), for the report. */
  origin?: string;
}

/** How the recorded history ends. */
export type RecordedEnd =
  /** `result` is the workflow's result (a `SessionResult`) when the payload is plain JSON. */
  | { kind: 'completed'; result?: unknown }
  | { kind: 'failed'; message: string }
  | { kind: 'cancelled' }
  | { kind: 'terminated'; message: string }
  | { kind: 'timed-out' }
  | { kind: 'continued-as-new' }
  /** The history stops while the workflow was still open (a running session). */
  | { kind: 'open' };

export interface ReplayReport {
  workflowId: string;
  runId: string | undefined;
  origin: string | undefined;
  eventCount: number;
  /** True when the code replayed the whole history without a nondeterminism error. */
  deterministic: boolean;
  /** Where and how the code diverged (when not deterministic). */
  divergence?: Divergence;
  /** A replay failure that is not about determinism (a bad history, a crash of the code under replay). */
  error?: string;
  recorded: RecordedEnd;
  /** How the workflow function ended under the current code (absent when the history stops while it is open). */
  replayed?: ReplayOutcome;
}

export interface ReplayBundleOptions {
  /** The workflows module to replay with. @default this build's `src/workflows/index.ts` */
  workflowsPath?: string;
  /** Stop in an attached debugger as each replayed workflow starts (`keel replay --inspect`). @default false */
  breakAtWorkflowStart?: boolean;
  /** More workflow interceptor modules to bundle, as a worker would (e.g. tracing's). @default none */
  workflowInterceptorModules?: string[];
}

/** Bundles the workflow code with the outcome reporter. Webpack's output is kept quiet unless it fails. */
export async function createReplayBundle(options: ReplayBundleOptions = {}): Promise<WorkflowBundle> {
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
  // Another tree's workflows (`keel replay --workflows`) import their own schemas, so this build's shared ones are left out.
  const workflows = options.workflowsPath ? { workflowsPath: options.workflowsPath, preloadModules: [] } : workflowBundleOptions();
  return bundleWorkflowCode({
    ...workflows,
    workflowInterceptorModules: [
      ...(options.workflowInterceptorModules ?? []),
      outcomeInterceptorPath,
      ...(options.breakAtWorkflowStart ? [debuggerInterceptorPath] : []),
    ],
    logger: quiet,
  });
}

/** How the history's last meaningful event says the run ended. */
export function recordedEnd(events: HistoryEvent[]): RecordedEnd {
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index];
    const completed = event.workflowExecutionCompletedEventAttributes;
    if (completed) {
      const result = payloadValue(completed.result?.payloads?.[0]);
      return result === undefined ? { kind: 'completed' } : { kind: 'completed', result };
    }
    if (event.workflowExecutionFailedEventAttributes) return { kind: 'failed', message: closingFailure(event) ?? '' };
    if (event.workflowExecutionCanceledEventAttributes) return { kind: 'cancelled' };
    if (event.workflowExecutionTerminatedEventAttributes) return { kind: 'terminated', message: closingFailure(event) ?? '' };
    if (event.workflowExecutionTimedOutEventAttributes) return { kind: 'timed-out' };
    if (event.workflowExecutionContinuedAsNewEventAttributes) return { kind: 'continued-as-new' };
  }
  return { kind: 'open' };
}

/**
 * Replays each history against `bundle` and yields a report per history, in order. Never throws for a
 * nondeterministic history: that is a report with `deterministic: false`.
 */
export async function* replayHistories(
  sources: Iterable<HistorySource> | AsyncIterable<HistorySource>,
  bundle: WorkflowBundle,
  /** Payload conversion of the recorded histories (the encryption codec, when they were sealed). @default plain JSON */
  dataConverter?: DataConverter,
): AsyncGenerator<ReplayReport> {
  const outcomes = new Map<string, ReplayOutcome>();
  const pending: HistorySource[] = [];
  // Each history replays under its own workflow id: workflow code may build commands from it (a child's id is
  // `<parent id>/agent-<n>`). The SDK replays one history at a time, in the order given, so the first pending
  // source with a result's id is that result's.
  async function* tagged(): AsyncGenerator<{ workflowId: string; history: History }> {
    for await (const source of sources) {
      pending.push(source);
      yield { workflowId: source.workflowId, history: source.history };
    }
  }
  const results = Worker.runReplayHistories(
    {
      workflowBundle: bundle,
      replayName: 'keel-replay',
      ...(dataConverter ? { dataConverter } : {}),
      sinks: {
        // Tracing's workflow interceptors, when bundled, export spans through this sink; a replay exports nothing.
        exporter: { export: { fn: () => undefined, callDuringReplay: false } },
        keelReplay: {
          outcome: {
            fn: (info: { workflowId: string }, outcome: ReplayOutcome) => void outcomes.set(info.workflowId, outcome),
            callDuringReplay: true,
          },
        },
      } satisfies { [K in keyof ReplayOutcomeSinks | 'exporter']: unknown },
    },
    tagged(),
  );
  for await (const result of results) {
    const index = pending.findIndex((candidate) => candidate.workflowId === result.workflowId);
    const source = index >= 0 ? pending.splice(index, 1)[0] : undefined;
    const events: HistoryEvent[] = source?.history.events ?? [];
    const replayed = outcomes.get(result.workflowId);
    // Checked by name: the error class lives in the workflow package, whose copy may differ from ours.
    const nondeterministic = result.error?.name === 'DeterminismViolationError';
    outcomes.delete(result.workflowId);
    const report: ReplayReport = {
      workflowId: source?.workflowId ?? result.workflowId,
      runId: result.runId || undefined,
      origin: source?.origin,
      eventCount: events.length,
      deterministic: !nondeterministic,
      recorded: recordedEnd(events),
      ...(replayed ? { replayed } : {}),
    };
    if (nondeterministic && result.error) report.divergence = describeDivergence(result.error.message, events);
    else if (result.error) report.error = result.error.message;
    yield report;
  }
}

/** True when the replay ended the way the recording did (or the recording was still open, so nothing to compare). */
export function reproducesRecordedEnd(report: ReplayReport): boolean {
  const { recorded, replayed } = report;
  if (recorded.kind === 'open') return replayed === undefined;
  if (!replayed) return false;
  if (recorded.kind === 'completed') return replayed.kind === 'completed' && JSON.stringify(replayed.result) === JSON.stringify(recorded.result ?? replayed.result);
  if (recorded.kind === 'continued-as-new') return replayed.kind === 'continued-as-new';
  if (recorded.kind === 'failed') return replayed.kind === 'failed' && replayed.message === recorded.message;
  // Cancellation, termination and timeouts come from outside the code; the replay stops where the history does.
  return true;
}
