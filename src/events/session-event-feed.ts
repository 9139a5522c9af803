/**
 * Live events of sessions for any number of subscribers in one process: `SessionHandle.events()` and `keel serve`
 * subscribe here. Per session it opens one transport subscription and one watch of the workflow (state, transcript,
 * end), builds the session's event log from both, and gives each subscriber the events after its `lastEventId`
 * (without one: the turn in progress so far), then live ones, until the session ends. Client-side.
 */
import type { Client } from '@temporalio/client';
import { ValidationError } from '../errors.js';
import type { SessionEventEnvelope } from '../shared/schemas/session-event.js';
import type { ContentStore } from '../stores/content-store.js';
import { resolveContent } from '../stores/restore-content.js';
import { watchSession } from '../client/watch-session.js';
import { stateQuery } from '../shared/messages.js';
import { parseEventId, type EventId } from './event-id.js';
import type { EventSource } from './event-transport.js';
import { SessionEventLog } from './session-event-log.js';
import { EventPhase } from './event-id.js';

export interface SubscribeOptions {
  /** Resume after this event (an SSE client's `Last-Event-ID`). @default the turn in progress, from its start */
  lastEventId?: string;
  /** Ends the subscription. */
  signal?: AbortSignal;
}

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
  failure: unknown;
  wakers: Set<() => void>;
  subscribers: number;
  stop(): void;
}

export class SessionEventFeed {
  readonly #client: Client;
  readonly #source: EventSource | undefined;
  readonly #store: ContentStore | undefined;
  readonly #sessions = new Map<string, FollowedSession>();

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

  /** Stops following every session; subscribers end. */
  async close(): Promise<void> {
    for (const session of this.#sessions.values()) session.stop();
    this.#sessions.clear();
  }

  async *#iterate(sessionId: string, resumeFrom: EventId | undefined, signal: AbortSignal | undefined): AsyncGenerator<SessionEventEnvelope> {
    const session = this.#follow(sessionId);
    session.subscribers += 1;
    let wake: (() => void) | undefined;
    const waker = () => wake?.();
    session.wakers.add(waker);
    signal?.addEventListener('abort', waker);
    try {
      // Without a position: the events of the turn in progress now, from its start (while a new feed catches up
      // with the session, the session itself says which turn that is).
      const startTurn =
        resumeFrom || session.isReady
          ? undefined
          : await this.#client.workflow.getHandle(sessionId).query(stateQuery).then((state) => state.turn, () => undefined);
      await session.ready;
      if (session.failure) throw session.failure;
      const { log } = session;
      let after: EventId = resumeFrom ?? [startTurn ?? log.turn];
      for (;;) {
        if (signal?.aborted) return;
        const index = log.indexAfter(after);
        if (index < log.events.length) {
          const next = log.events[index]!;
          // A subscriber that had part of a turn's live stream, when the log holds that turn's reply only whole
          // (this process never saw the stream): it is told to drop the part first.
          if (after[0] === next.parts[0] && after[1] === EventPhase.live && next.parts[1] === EventPhase.fromTranscript && next.parts[2] !== 0) {
            const turn = next.parts[0]!;
            yield { id: `${turn}.${EventPhase.fromTranscript}.0`, event: 'retry', data: { turn, attempt: (after[3] ?? 0) + 1, reason: 'the live stream of this turn was cut short; its reply follows whole' } };
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
      }
    }
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
    const session: FollowedSession = {
      log,
      wakers,
      subscribers: 0,
      failure: undefined,
      isReady: false,
      ready: new Promise<void>((resolve) => (markReady = () => {
        session.isReady = true;
        resolve();
      })),
      stop: () => {
        abort.abort();
        unsubscribe?.();
        wakeAll();
      },
    };
    this.#sessions.set(sessionId, session);

    const run = async () => {
      // What the transport holds comes first, so that the transcript's replies know which turns streamed live.
      if (this.#source) {
        await new Promise<void>((resolve) => {
          unsubscribe = this.#source!.subscribe(sessionId, { onRecord: (record) => log.addRecord(record), onCaughtUp: resolve });
          abort.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      for await (const event of watchSession(this.#client, sessionId, { fromStart: true, signal: abort.signal })) {
        switch (event.kind) {
          case 'entry': {
            const { entry } = event;
            if (this.#store && entry.kind === 'message' && entry.role === 'assistant') {
              log.addEntry({ ...entry, content: await resolveContent(this.#store, entry.content).catch(() => entry.content) });
            } else log.addEntry(entry);
            // The turn's end (with its usage, from the state) goes in before anything after it, so that no
            // subscriber has passed its place.
            if (log.awaitsUsage) {
              const state = await this.#client.workflow.getHandle(sessionId).query(stateQuery).catch(() => undefined);
              if (state) log.addState(state);
            }
            break;
          }
          case 'state':
            log.addState(event.state);
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
    void run().then(
      () => markReady(),
      (error: unknown) => {
        session.failure = error;
        markReady();
        wakeAll();
      },
    );
    return session;
  }
}
