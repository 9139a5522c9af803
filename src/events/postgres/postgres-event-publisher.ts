/**
 * The PostgreSQL transport's worker end: each record is inserted and notified in one statement, on one connection
 * so that a session's records keep their order. Commits do not wait for the disk (`synchronous_commit = off`): a
 * record lost in a database crash costs only the live view, never the reply. Rows of a session's earlier turns
 * and rows older than the retention are deleted as calls end.
 */
import pg from 'pg';
import type { EventPublisher } from '../event-transport.js';
import { recordTurn, type StreamRecord } from '../stream-record.js';
import { EVENTS_CHANNEL, MAX_NOTIFY_BYTES, ensureEventsTable } from './postgres-events-table.js';

/** How long rows are kept for subscribers that come late, ms. */
const RETAIN_MS = 10 * 60_000;

export class PostgresEventPublisher implements EventPublisher {
  static async connect(connectionString: string): Promise<PostgresEventPublisher> {
    const client = new pg.Client({ connectionString });
    await client.connect();
    await client.query('SET synchronous_commit = off');
    await ensureEventsTable(client);
    return new PostgresEventPublisher(client);
  }

  readonly #client: pg.Client;
  #failed = false;
  #lastSweep = 0;

  private constructor(client: pg.Client) {
    this.#client = client;
    // A dropped connection ends the live stream (the transcript still has every reply); it is said once.
    client.on('error', () => {
      this.#failed = true;
    });
  }

  publish(record: StreamRecord): void {
    if (this.#failed) return;
    const json = JSON.stringify(record);
    const turn = recordTurn(record);
    this.#client
      .query(
        `WITH row AS (INSERT INTO keel_events (session_id, turn, record) VALUES ($1::text, $2::integer, $3::text::jsonb) RETURNING seq)
         SELECT pg_notify($4::text, CASE WHEN octet_length($3::text) <= $5::integer THEN '{"seq":' || seq || ',"record":' || $3::text || '}' ELSE '{"seq":' || seq || '}' END) FROM row`,
        [record.session, turn, json, EVENTS_CHANNEL, MAX_NOTIFY_BYTES],
      )
      .catch((error: unknown) => this.#warnOnce(error));
    if ('callEnd' in record) this.#sweep(record.session, turn);
  }

  #warned = false;
  /** A failing publish is said once per publisher: the stream goes quiet, the sessions go on. */
  #warnOnce(error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    process.emitWarning(`live events: publishing to PostgreSQL failed (${(error as Error).message}); subscribers get replies from the transcript`);
  }

  #sweep(session: string, turn: number): void {
    void this.#client.query('DELETE FROM keel_events WHERE session_id = $1 AND turn < $2', [session, turn - 1]).catch(() => undefined);
    if (Date.now() - this.#lastSweep < 60_000) return;
    this.#lastSweep = Date.now();
    void this.#client.query(`DELETE FROM keel_events WHERE created_at < now() - make_interval(secs => $1)`, [RETAIN_MS / 1000]).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.#client.end().catch(() => undefined);
  }
}
