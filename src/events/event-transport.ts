/**
 * The two ends of a live-event transport: the worker's model activity publishes a call's stream records, and a
 * client process subscribes to a session's. One interface, several transports (`KEEL_EVENTS`): `local` (a hub in
 * each worker process, found through a folder; one machine, nothing to install), `postgres` (LISTEN/NOTIFY and a
 * table; many workers and API servers) and `redis` (a Redis stream per session).
 */
import type { StreamRecord } from './stream-record.js';

export interface EventPublisher {
  /** Sends a record; never throws and never waits (a lost stream loses nothing: the reply is in the transcript). */
  publish(record: StreamRecord): void;
  close(): Promise<void>;
}

export interface EventSubscriptionHandlers {
  /** A record: first those the transport still holds of the session's recent calls, then live ones. */
  onRecord(record: StreamRecord): void;
  /** Called once, when the records the transport held at subscription time have all been given. */
  onCaughtUp(): void;
}

export interface EventSource {
  /** Follows one session's records until the returned function is called. */
  subscribe(sessionId: string, handlers: EventSubscriptionHandlers): () => void;
  close(): Promise<void>;
}
