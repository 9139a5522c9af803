/**
 * Live events of sessions for any number of subscribers in one process: `SessionHandle.events()` and `keel serve`
 * subscribe here. Per session it opens one transport subscription and one watch of the workflow (state, transcript,
 * end), builds the session's event log from both, and gives each subscriber the events after its `lastEventId`
 * (without one: the turn in progress so far), then live ones, until the session ends. Client-side.
 */
import type { Client } from '@temporalio/client';
import { ValidationError } from '../errors.js';
import type { SessionEventSubscriber, SubscribeOptions } from './session-event-subscriber.js';
import type { SessionEventEnvelope } from '../shared/schemas/session-event.js';
import type { SessionStateView, TranscriptEntry } from '../shared/schemas/session-messages.js';
import type { ContentStore } from '../stores/content-store.js';
import { resolveContent } from '../stores/restore-content.js';
import { watchSession } from './watch-session.js';
import { stateQuery, transcriptQuery } from '../shared/messages.js';
import { recordTurn, type StreamRecord } from '../events/stream-record.js';
import { attemptAfterStream, EventPhase, parseEventId, type EventId } from '../events/event-id.js';
import type { EventSource } from '../events/event-transport.js';
import { SessionEventLog } from '../events/session-event-log.js';


export interface SessionEventFeedOptions {
  client: Client;
  /** Where model calls' live streams come from. @default none: events from the session's state and transcript only */
  source?: EventSource;
  /** The workers' content store, to give a stored (large) reply whole when it is read from the transcript. */
  store?: ContentStore;
}

/** One session followed for this process's subscribers. */
interface FollowedSession {
  log: SessionEventLog;
  ready: Promise<void>;
  isReady: boolean;
  /** The transport has given what it held. */
  transportReady: Promise<void>;
  /** The session's state when the feed began (in the log already), asked once for every first subscriber. */
  initialState: Promise<SessionStateView | undefined>;
  failure: unknown;
  wakers: Set<() => void>;
  subscribers: number;
  stop(): void;
  /** Settles once the feed's calls for this session (its watch, its queries, its transcript reads) have ended. */
  settled: Promise<unknown>;
}

export class SessionEventFeed implements SessionEventSubscriber {
  readonly #client: Client;
  readonly #source: EventSource | undefined;
  readonly #store: ContentStore | undefined;
  readonly #sessions = new Map<string, FollowedSession>();
  /** Sessions whose last subscriber left, until their calls have ended (`close()` waits for them too). */
  readonly #stopping = new Set<FollowedSession>();

  constructor(options: SessionEventFeedOptions) {
    this.#client = options.client;
    this.#source = options.source;
    this.#store = options.store;
  }

  /**
   * The session's events after `lastEventId` (or from the turn in progress), then live ones; ends after
   * `session_end` or when `signal` aborts.
   * @throws ValidationError for a `lastEventId` that is not an id of this stream; WorkflowNotFoundError for an
   *   unknown session.
   */
  subscribe(sessionId: string, options: SubscribeOptions = {}): AsyncIterable<SessionEventEnvelope> {
    const resumeFrom = options.lastEventId !== undefined ? parseEventId(options.lastEventId) : undefined;
    if (options.lastEventId !== undefined && !resumeFrom) {
      throw new ValidationError(`lastEventId: "${options.lastEventId}" is not an event id of this stream`, 'lastEventId');
    }
    return { [Symbol.asyncIterator]: () => this.#iterate(sessionId, resumeFrom, options.signal) };
  }

  /**
   * Stops following every session; subscribers end. Resolves once no call of the feed is still in flight, so that
   * the caller may close the Temporal connection next (a call still retrying on a closed connection would throw
   * from a timer, where nothing can catch it).
   */
  async close(): Promise<void> {
    const sessions = [...this.#sessions.values(), ...this.#stopping];
    for (const session of sessions) session.stop();
    this.#sessions.clear();
    await Promise.allSettled(sessions.map((session) => session.settled));
  }

  async *#iterate(sessionId: string, resumeFrom: EventId | undefined, signal: AbortSignal | undefined): AsyncGenerator<SessionEventEnvelope> {
    const session = this.#follow(sessionId);
    session.subscribers += 1;
    let wake: (() => void) | undefined;
    const waker = () => wake?.();
    session.wakers.add(waker);
    signal?.addEventListener('abort', waker);
    try {
      const { log } = session;
      let after: EventId;
      if (resumeFrom) {
        await session.ready;
        after = resumeFrom;
      } else if (session.isReady) {
        after = [log.turn];
      } else {
        // Without a position: the events of the turn in progress now, from its start. While a new feed catches up
        // with the session, the session itself says which turn that is (and its status). A session at its first
        // turn has nothing in its transcript to wait for, so its stream starts as soon as the transport has caught up.
        const state = await session.initialState;
        await (state?.turn === 0 ? session.transportReady : session.ready);
        after = [state?.turn ?? log.turn];
      }
      if (session.failure) throw session.failure;
      for (;;) {
        if (signal?.aborted) return;
        const index = log.indexAfter(after);
        if (index < log.events.length) {
          const next = log.events[index]!;
          // A subscriber that had part of a turn's live stream, when the log holds that turn's reply only whole
          // (this process never saw the stream): it is told to drop the part first.
          if (after[0] === next.parts[0] && after[1] === EventPhase.live && next.parts[1] === EventPhase.fromTranscript && next.parts[2] !== 0) {
            const turn = next.parts[0]!;
            yield { id: `${turn}.${EventPhase.fromTranscript}.0`, event: 'retry', data: { turn, attempt: attemptAfterStream(after[3]), reason: 'the live stream of this turn was cut short; its reply follows whole' } };
          }
          after = next.parts;
          yield next.envelope;
          continue;
        }
        if (log.ended) return;
        if (session.failure) throw session.failure;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      session.wakers.delete(waker);
      signal?.removeEventListener('abort', waker);
      session.subscribers -= 1;
      if (session.subscribers === 0) {
        session.stop();
        if (this.#sessions.get(sessionId) === session) this.#sessions.delete(sessionId);
        this.#stopping.add(session);
        void session.settled.finally(() => this.#stopping.delete(session));
      }
    }
  }

  /**
   * Reads the transcript entries the log may not have yet. A new turn's stream can outrun the watch: the previous
   * turn's tool calls and results are in the session before its next model call starts, but the watch may not have
   * read them yet, and a subscriber that went on with the new turn's deltas would pass their place. So the first
   * record of a turn waits for this read (one query, answered after the workflow task that started the call) unless
   * the log holds the previous turn whole already, as it does once the call's prelude is in (a worker that sends
   * none, or a prelude lost by the transport, falls back to the read).
   */
  async #readTranscript(sessionId: string, log: SessionEventLog, position: { index: number }): Promise<void> {
    const handle = this.#client.workflow.getHandle(sessionId);
    try {
      // The state first: the turn ends of the replies read next go in at once, with their usage.
      log.noteSpend(await handle.query(stateQuery));
      const entries: TranscriptEntry[] = [];
      for (;;) {
        const page = await handle.query(transcriptQuery, { fromIndex: position.index });
        if (page.loading && page.entries.length === 0) return;
        // A new run that started a fresh transcript: read it from its start (what the log has is kept once).
        if (page.total < position.index) {
          position.index = 0;
          continue;
        }
        entries.push(...page.entries);
        position.index = page.fromIndex + page.entries.length;
        if (page.entries.length === 0 || position.index >= page.total) break;
      }
      // Added together, with no wait between them, so that no subscriber passes a place before it is filled.
      const resolved = await Promise.all(entries.map((entry) => this.#resolved(entry)));
      for (const entry of resolved) log.addEntry(entry);
    } catch {
      // The watch reads the same entries a little later.
    }
  }

  /** An assistant entry with its stored blocks whole, when the feed has the store. */
  async #resolved(entry: TranscriptEntry): Promise<TranscriptEntry> {
    if (!this.#store || entry.kind !== 'message' || entry.role !== 'assistant') return entry;
    return { ...entry, content: await resolveContent(this.#store, entry.content).catch(() => entry.content) };
  }

  #follow(sessionId: string): FollowedSession {
    const existing = this.#sessions.get(sessionId);
    if (existing) return existing;
    const wakers = new Set<() => void>();
    const wakeAll = () => {
      for (const wake of wakers) wake();
    };
    const log = new SessionEventLog(wakeAll);
    const abort = new AbortController();
    let unsubscribe: (() => void) | undefined;
    let markReady: () => void = () => undefined;
    let markTransportReady: () => void = () => undefined;
    const session: FollowedSession = {
      log,
      wakers,
      subscribers: 0,
      failure: undefined,
      isReady: false,
      transportReady: new Promise<void>((resolve) => (markTransportReady = resolve)),
      initialState: this.#client.workflow
        .getHandle(sessionId)
        .query(stateQuery)
        .then(
          (state) => {
            log.addState(state);
            return state;
          },
          () => undefined,
        ),
      ready: new Promise<void>((resolve) => (markReady = () => {
        session.isReady = true;
        resolve();
      })),
      stop: () => {
        abort.abort();
        unsubscribe?.();
        wakeAll();
      },
      settled: Promise.resolve(),
    };
    this.#sessions.set(sessionId, session);

    // Records wait in line behind a transcript read when they open a new turn (see `#readTranscript`).
    let pipeline = Promise.resolve();
    const liveTurns = new Set<number>();
    const transcript = { index: 0 };
    const onRecord = (record: StreamRecord) => {
      if ('prelude' in record) {
        // The turn before the call, from the worker: in the log before the call's deltas, so no read is needed.
        const { prelude } = record;
        pipeline = pipeline.then(async () => {
          const messages = await Promise.all(
            prelude.messages.map(async (message) => {
              const entry = await this.#resolved({ kind: 'message', ...message, turn: prelude.previousTurn, epoch: 0 });
              return entry.kind === 'message' ? { role: entry.role, content: entry.content } : message;
            }),
          );
          log.addPrelude({ ...prelude, messages });
        });
        return;
      }
      const turn = recordTurn(record);
      if (turn > 1 && !liveTurns.has(turn)) {
        liveTurns.add(turn);
        // Only when the watch has not brought the previous turn in whole: the read costs two queries, which the
        // worker answers late when it is busy, and the turn's first tokens would wait for them.
        pipeline = pipeline.then(() => (log.hasWholeTurn(turn - 1) ? undefined : this.#readTranscript(sessionId, log, transcript)));
      }
      pipeline = pipeline.then(() => log.addRecord(record));
    };
    const run = async () => {
      // What the transport holds comes first, so that the transcript's replies know which turns streamed live.
      if (this.#source) {
        await new Promise<void>((resolve) => {
          unsubscribe = this.#source!.subscribe(sessionId, { onRecord, onCaughtUp: resolve });
          abort.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      markTransportReady();
      // The watch's first read takes the state this feed asked for already: one query, not two at once.
      for await (const event of watchSession(this.#client, sessionId, { fromStart: true, signal: abort.signal, firstState: session.initialState })) {
        switch (event.kind) {
          case 'entry': {
            const entry = await this.#resolved(event.entry);
            // The state first when the entry is a reply whose usage is not known yet, so that its turn end goes in
            // with it, before anything after its place.
            if (entry.kind === 'message' && entry.role === 'assistant' && log.spendPredates(entry.turn)) {
              // The state the watch read with the entry holds its spend unless the reply came between the two reads.
              if (event.state) log.noteSpend(event.state);
              if (log.spendPredates(entry.turn)) {
                const state = await this.#client.workflow.getHandle(sessionId).query(stateQuery).catch(() => undefined);
                if (state) log.noteSpend(state);
              }
            }
            log.addEntry(entry);
            break;
          }
          case 'state':
            log.addState(event.state);
            // The first state comes after the transcript as it was: the log holds the session so far. (The watch's
            // own `live` can come much later: the history may hold back a running activity's start until it ends.)
            markReady();
            break;
          case 'live':
            markReady();
            break;
          case 'end':
            log.addEnd(event.result?.status ?? event.end, event.result?.finalText ?? '', event.result?.turns);
            markReady();
            return;
          default:
            break;
        }
      }
    };
    const running = run();
    session.settled = Promise.allSettled([running, session.initialState]).then(() => pipeline).catch(() => undefined);
    void running.then(
      () => {
        markTransportReady();
        markReady();
      },
      (error: unknown) => {
        session.failure = error;
        markTransportReady();
        markReady();
        wakeAll();
      },
    );
    return session;
  }
}
