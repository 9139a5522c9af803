/**
 * Follows a session as it runs: its transcript entries as they are added, its status, usage and pending approvals
 * as they change, each activity (model call, tool) as it is scheduled, retries as they happen, and the end.
 *
 * Driven by the history long-poll (the server pushes each new event), with the `state` and `transcript` queries
 * read after each workflow task, and the pending activities read while one runs (their attempts and heartbeat
 * progress are not in history until they end). Follows a continue-as-new into the next run. Client-side.
 */
import { type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { callWithAbort } from './call-with-abort.js';
import { decodePayload } from './decode-payload.js';
import type { temporal } from '@temporalio/proto';
import type { SessionResult, SessionStateView, TranscriptEntry } from '../shared/schemas/session-messages.js';
import { closesRun, closingFailure, failureMessage, type HistoryEvent } from './history-events.js';
import { SessionHandle } from './session-handle.js';

export type SessionEnd = 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

export type WatchEvent =
  /** The `state` query's answer changed (status, turn, usage, approvals, context epoch). */
  | { kind: 'state'; state: SessionStateView; previous: SessionStateView | undefined }
  /** A transcript entry was added. `state`: the session's state as read just before the entry (it may predate it). */
  | { kind: 'entry'; index: number; entry: TranscriptEntry; state?: SessionStateView }
  /** An activity was scheduled: a model call or a tool. `summary` is what the UI shows for it. */
  | { kind: 'activity'; eventId: number; activityType: string; summary: string | undefined }
  /** A running activity failed an attempt and will be retried. */
  | { kind: 'retry'; activityType: string; attempt: number; failure: string }
  /** Heartbeat progress of a running activity (a model call reports characters streamed so far). */
  | { kind: 'progress'; activityType: string; details: unknown }
  /** The session moved to a new run (continue-as-new). */
  | { kind: 'run'; runId: string }
  /** The watcher has caught up with the history as it was when the watch began; what follows is new. */
  | { kind: 'live' }
  /** Something the watcher could not do (e.g. no worker answers queries). */
  | { kind: 'notice'; message: string }
  /** The session's workflow closed. */
  | { kind: 'end'; end: SessionEnd; result?: SessionResult; failure?: string };

export interface WatchOptions {
  /** Start from the first transcript entry (else from the entries added after the watch began). @default true */
  fromStart?: boolean;
  /** Stops the watch. */
  signal?: AbortSignal;
  /** How often running activities are checked for retries and progress, ms. @default 500 */
  activityPollMs?: number;
  /** How long a query may take before the watcher says no worker answers, ms. @default 5000 */
  queryTimeoutMs?: number;
  /**
   * The session's state as the caller has just asked for it: the watch's first read takes it instead of a query of
   * its own. The server holds a query that comes while a workflow task is in flight, and a second one held beside
   * the first was answered 1.5-2 s late (measured on the dev server, during a session's first workflow task), where
   * one alone is answered as the task completes. @default the watch asks
   */
  firstState?: Promise<SessionStateView | undefined>;
}

/** A queue the producers push to and the generator drains. */
class EventQueue<T> {
  #items: T[] = [];
  #wake: (() => void) | undefined;
  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }
  async next(): Promise<T> {
    while (this.#items.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
    return this.#items.shift()!;
  }
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

function sameState(a: SessionStateView | undefined, b: SessionStateView): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** Watches a session until its workflow closes or `options.signal` aborts. */
export async function* watchSession(client: Client, workflowId: string, options: WatchOptions = {}): AsyncGenerator<WatchEvent> {
  const { signal } = options;
  const queue = new EventQueue<WatchEvent | { kind: 'done' } | { kind: 'error'; error: unknown }>();
  const converter = client.options.loadedDataConverter;
  const queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
  let state: SessionStateView | undefined;
  let transcriptIndex = 0;
  let skipExisting = options.fromStart === false;
  let queriesFailing = false;
  let runId: string | undefined;
  let closed = false;
  // Stops the watch's own calls when the caller aborts or stops iterating: the generator's end waits for them, so
  // that no call of the watch is still in flight (or retrying) once it has returned and the connection may close.
  const stop = new AbortController();
  const stopped = stop.signal;
  /** A call to Temporal that `stop` cancels, with a deadline. */
  const call = <T>(timeoutMs: number, send: () => Promise<T>): Promise<T> =>
    callWithAbort(client.connection, stopped, () => client.withDeadline(Date.now() + timeoutMs, send));

  const query = async <T>(read: (handle: SessionHandle) => Promise<T>): Promise<T | undefined> => {
    if (stopped.aborted) return undefined;
    const handle = new SessionHandle(client.workflow.getHandle(workflowId, runId));
    try {
      const value = await call(queryTimeoutMs, () => read(handle));
      queriesFailing = false;
      return value;
    } catch (error) {
      if (stopped.aborted) return undefined;
      if (!queriesFailing) {
        queriesFailing = true;
        queue.push({ kind: 'notice', message: `the session did not answer a query (${(error as Error).message}); is a worker polling its task queue?` });
      }
      return undefined;
    }
  };

  /**
   * Reads the state and any new transcript entries, pushing what changed. The reads go one after the other while
   * the run is open (a second query beside the first may be held, see `firstState`); a closed run has no workflow
   * task in flight, and each of its queries is a replay on a worker, so there they go at once.
   */
  let firstState = options.firstState;
  const refresh = async (runClosed = false): Promise<void> => {
    const readState = () => (firstState ? firstState : query((handle) => handle.state()));
    const readPage = () => query((handle) => handle.transcript(transcriptIndex));
    const [next, firstPage] = runClosed ? await Promise.all([readState(), readPage()]) : [await readState(), undefined];
    firstState = undefined;
    let early = firstPage;
    while (!stopped.aborted) {
      const page = early ?? (await readPage());
      early = undefined;
      // A run that has just continued as new reads its earlier entries back first: ask again at the next step.
      if (!page || (page.loading && page.entries.length === 0)) break;
      if (skipExisting) {
        transcriptIndex = page.total;
        break;
      }
      // A new run may start a fresh transcript (continue-as-new with a transcript store): read it from its start.
      if (page.total < transcriptIndex) {
        transcriptIndex = 0;
        continue;
      }
      page.entries.forEach((entry, offset) => queue.push({ kind: 'entry', index: page.fromIndex + offset, entry, ...(next ? { state: next } : {}) }));
      transcriptIndex = page.fromIndex + page.entries.length;
      if (page.entries.length === 0 || transcriptIndex >= page.total) break;
    }
    skipExisting = false;
    if (next && !sameState(state, next)) {
      queue.push({ kind: 'state', state: next, previous: state });
      state = next;
    }
  };

  /** Whether an activity is still running: the queries may already show its outcome when the watcher lags. */
  const stillPending = async (activityId: string | null | undefined): Promise<boolean> => {
    if (!activityId || stopped.aborted) return true;
    try {
      const description = await call(5_000, () => client.workflow.getHandle(workflowId, runId).describe());
      return (description.raw.pendingActivities ?? []).some((activity) => activity.activityId === activityId);
    } catch {
      return true;
    }
  };

  const followHistory = async (): Promise<void> => {
    const description = await call(60_000, () => client.workflow.getHandle(workflowId).describe());
    runId = description.runId;
    // Activities scheduled before the watch began are already told by the transcript.
    let backlogEnd = description.historyLength;
    const runningAtStart = new Map<number, WatchEvent>();
    let lastEventId = 0;
    let nextPageToken: Uint8Array | undefined;
    await refresh();
    while (!stopped.aborted) {
      let response: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse;
      try {
        response = await call(60_000, () =>
          client.workflowService.getWorkflowExecutionHistory({
            namespace: client.options.namespace,
            execution: { workflowId, runId },
            waitNewEvent: true,
            maximumPageSize: 200,
            ...(nextPageToken ? { nextPageToken } : {}),
          }),
        );
      } catch (error) {
        if (isAbort(error, stopped)) return;
        // A long poll that outlives its deadline is normal: poll again from the same token.
        if ((error as { code?: number }).code === 4) continue;
        throw error;
      }
      const events: HistoryEvent[] = response.history?.events ?? [];
      // An activity that has already ended by the time the watcher reads of it is told by the transcript, not as
      // news: a watcher that fell behind does not replay the past as if it were happening.
      const endedInBatch = new Set(
        events.flatMap((event) => {
          const ended =
            event.activityTaskCompletedEventAttributes ??
            event.activityTaskFailedEventAttributes ??
            event.activityTaskTimedOutEventAttributes ??
            event.activityTaskCanceledEventAttributes;
          return ended?.scheduledEventId !== undefined && ended.scheduledEventId !== null ? [Number(ended.scheduledEventId)] : [];
        }),
      );
      // A batch that closes the workflow is read once, at its end: a query to a closed workflow costs a replay.
      const closesInBatch = events.some(closesRun);
      for (const event of events) {
        const eventId = Number(event.eventId);
        if (eventId <= lastEventId) continue;
        lastEventId = eventId;
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (scheduled) {
          const summary = await decodePayload(converter, event.userMetadata?.summary as Payload | undefined).catch(() => undefined);
          const activity: WatchEvent = { kind: 'activity', eventId, activityType: scheduled.activityType?.name ?? '', summary: typeof summary === 'string' ? summary : undefined };
          // Activities that ended before the watch began are told by the transcript; one still running is news.
          if (eventId > backlogEnd) {
            if (!endedInBatch.has(eventId) && (await stillPending(scheduled.activityId))) queue.push(activity);
          } else runningAtStart.set(eventId, activity);
        }
        const ended =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes ??
          event.activityTaskCanceledEventAttributes;
        if (ended?.scheduledEventId !== undefined && ended.scheduledEventId !== null) runningAtStart.delete(Number(ended.scheduledEventId));
        if (eventId === backlogEnd) {
          for (const activity of runningAtStart.values()) queue.push(activity);
          runningAtStart.clear();
          queue.push({ kind: 'live' });
        }
        // What a workflow task changed is read before the commands it issued (the events after it) are told.
        if (event.workflowTaskCompletedEventAttributes && eventId > backlogEnd && !closesInBatch) await refresh();
        const continued = event.workflowExecutionContinuedAsNewEventAttributes;
        if (continued?.newExecutionRunId) {
          await refresh();
          runId = continued.newExecutionRunId;
          nextPageToken = undefined;
          lastEventId = 0;
          backlogEnd = 0;
          queue.push({ kind: 'run', runId });
          break;
        }
        const end = await closingOf(event);
        if (end) {
          closed = true;
          await refresh(true);
          queue.push(end);
          return;
        }
      }
      if (!response.nextPageToken || response.nextPageToken.length === 0) {
        if (events.length === 0 && !closed) continue;
      } else {
        nextPageToken = response.nextPageToken;
      }
    }
  };

  const closingOf = async (event: HistoryEvent): Promise<WatchEvent | undefined> => {
    if (event.workflowExecutionCompletedEventAttributes) {
      const result = await decodePayload(converter, event.workflowExecutionCompletedEventAttributes.result?.payloads?.[0] as Payload | undefined).catch(
        () => undefined,
      );
      return { kind: 'end', end: 'completed', ...(result ? { result: result as SessionResult } : {}) };
    }
    if (event.workflowExecutionFailedEventAttributes) {
      return { kind: 'end', end: 'failed', failure: failureMessage(event.workflowExecutionFailedEventAttributes.failure) };
    }
    if (event.workflowExecutionCanceledEventAttributes) return { kind: 'end', end: 'cancelled' };
    if (event.workflowExecutionTerminatedEventAttributes) return { kind: 'end', end: 'terminated', failure: closingFailure(event) ?? '' };
    if (event.workflowExecutionTimedOutEventAttributes) return { kind: 'end', end: 'timed_out', failure: closingFailure(event) ?? '' };
    return undefined;
  };

  /** Attempts and heartbeats of running activities are only visible through describe. */
  const followActivities = async (): Promise<void> => {
    const reported = new Map<string, number>();
    let lastProgress = '';
    const interval = options.activityPollMs ?? 500;
    while (!closed && !stopped.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => (clearTimeout(timer), resolve());
        // Removed when the timer fires too: one listener a tick would pile up on a watch that runs for long.
        const timer = setTimeout(() => (stopped.removeEventListener('abort', wake), resolve()), interval);
        stopped.addEventListener('abort', wake, { once: true });
      });
      if (closed || stopped.aborted) return;
      let description: WorkflowExecutionDescription;
      try {
        description = await call(5_000, () => client.workflow.getHandle(workflowId, runId).describe());
      } catch {
        continue;
      }
      for (const activity of description.raw.pendingActivities ?? []) {
        const activityType = activity.activityType?.name ?? '';
        const attempt = activity.attempt ?? 1;
        const key = `${activity.activityId}`;
        if (attempt > 1 && activity.lastFailure && (reported.get(key) ?? 1) < attempt) {
          reported.set(key, attempt);
          queue.push({ kind: 'retry', activityType, attempt, failure: failureMessage(activity.lastFailure) });
        }
        const details = activity.heartbeatDetails?.payloads?.[0];
        if (details) {
          const value = await decodePayload(converter, details as Payload).catch(() => undefined);
          const text = JSON.stringify(value);
          if (value !== undefined && text !== lastProgress) {
            lastProgress = text;
            queue.push({ kind: 'progress', activityType, details: value });
          }
        }
      }
    }
  };

  const following = followHistory().then(
    () => queue.push({ kind: 'done' }),
    (error: unknown) => queue.push(isAbort(error, stopped) ? { kind: 'done' } : { kind: 'error', error }),
  );
  const polling = followActivities().catch(() => undefined);
  const onAbort = () => {
    stop.abort();
    queue.push({ kind: 'done' });
  };
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const item = await queue.next();
      if (item.kind === 'done') return;
      if (item.kind === 'error') throw item.error;
      yield item;
    }
  } finally {
    closed = true;
    signal?.removeEventListener('abort', onAbort);
    stop.abort();
    await Promise.allSettled([following, polling]);
  }
}
