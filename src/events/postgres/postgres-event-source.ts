/**
 * The PostgreSQL transport's subscriber end: one connection LISTENs for the whole process, a pool reads what a
 * session's table rows hold when a subscription starts (and a record too large for its notification). Client-side;
 * connects on first use.
 */
import pg from 'pg';
import { z } from 'zod';
import type { EventSource, EventSubscriptionHandlers } from '../event-transport.js';
import { parseStreamRecord, type StreamRecord } from '../stream-record.js';
import { EVENTS_CHANNEL, ensureEventsTable } from './postgres-events-table.js';

const notificationSchema = z.object({ seq: z.union([z.number(), z.string()]).transform(Number), record: z.unknown().optional() });

interface Subscription {
  handlers: EventSubscriptionHandlers;
  /** Sequence numbers up to this one were given (from the table); later notifications are new. */
  after: number;
  /** Notifications that came while the table was read. */
  held: Array<{ seq: number; record: StreamRecord }> | undefined;
}

export class PostgresEventSource implements EventSource {
  readonly #connectionString: string;
  readonly #subscriptions = new Map<string, Set<Subscription>>();
  #connected: Promise<{ listener: pg.Client; pool: pg.Pool }> | undefined;

  constructor(connectionString: string) {
    this.#connectionString = connectionString;
  }

  #connect(): Promise<{ listener: pg.Client; pool: pg.Pool }> {
    this.#connected ??= (async () => {
      const pool = new pg.Pool({ connectionString: this.#connectionString, max: 4 });
      pool.on('error', () => undefined);
      const listener = new pg.Client({ connectionString: this.#connectionString });
      listener.on('error', () => undefined);
      await listener.connect();
      await ensureEventsTable(listener);
      // One at a time, in the order the server sent them: a record too large for its notification is read from the
      // table, and the records after it (a call's prelude, then its deltas) must not pass it meanwhile.
      listener.on('notification', (message) => {
        this.#inOrder = this.#inOrder.then(() => this.#notified(message.payload ?? '')).catch(() => undefined);
      });
      await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
      return { listener, pool };
    })();
    return this.#connected;
  }

  #inOrder: Promise<void> = Promise.resolve();

  async #notified(payload: string): Promise<void> {
    let parsed: z.infer<typeof notificationSchema>;
    try {
      parsed = notificationSchema.parse(JSON.parse(payload));
    } catch {
      return;
    }
    let record = parsed.record !== undefined ? parseStreamRecord(parsed.record) : undefined;
    if (!record && parsed.record === undefined) {
      const { pool } = await this.#connect();
      const rows = await pool.query<{ record: unknown }>('SELECT record FROM keel_events WHERE seq = $1', [parsed.seq]).catch(() => undefined);
      record = parseStreamRecord(rows?.rows[0]?.record);
    }
    if (!record) return;
    for (const subscription of this.#subscriptions.get(record.session) ?? []) {
      if (subscription.held) subscription.held.push({ seq: parsed.seq, record });
      else if (parsed.seq > subscription.after) subscription.handlers.onRecord(record);
    }
  }

  subscribe(sessionId: string, handlers: EventSubscriptionHandlers): () => void {
    const subscription: Subscription = { handlers, after: 0, held: [] };
    let subscribers = this.#subscriptions.get(sessionId);
    if (!subscribers) {
      subscribers = new Set();
      this.#subscriptions.set(sessionId, subscribers);
    }
    subscribers.add(subscription);
    let closed = false;
    void (async () => {
      try {
        // Listening already, so nothing falls between the rows read and the notifications that follow.
        const { pool } = await this.#connect();
        const rows = await pool.query<{ seq: string; record: unknown }>('SELECT seq, record FROM keel_events WHERE session_id = $1 ORDER BY seq', [sessionId]);
        for (const row of rows.rows) {
          const record = parseStreamRecord(row.record);
          if (record && !closed) handlers.onRecord(record);
          subscription.after = Math.max(subscription.after, Number(row.seq));
        }
      } catch {
        // No database: no live stream; the transcript still has every reply.
      }
      const held = subscription.held ?? [];
      subscription.held = undefined;
      for (const { seq, record } of held) if (seq > subscription.after && !closed) handlers.onRecord(record);
      if (!closed) handlers.onCaughtUp();
    })();
    return () => {
      closed = true;
      subscribers.delete(subscription);
      if (subscribers.size === 0 && this.#subscriptions.get(sessionId) === subscribers) this.#subscriptions.delete(sessionId);
    };
  }

  async close(): Promise<void> {
    const connected = this.#connected;
    this.#connected = undefined;
    if (!connected) return;
    const { listener, pool } = await connected.catch(() => ({ listener: undefined, pool: undefined }));
    await listener?.end().catch(() => undefined);
    await pool?.end().catch(() => undefined);
  }
}
