/**
 * The PostgreSQL transport's table and channel: each record a row (what late and returning subscribers read), and a
 * NOTIFY on one channel with the row (or, past NOTIFY's 8000-byte payload, only its sequence number).
 */
import type pg from 'pg';

export const EVENTS_CHANNEL = 'keel_events';
/** The largest notification payload sent whole, bytes (PostgreSQL's limit is 8000). */
export const MAX_NOTIFY_BYTES = 7_900;

export async function ensureEventsTable(client: pg.ClientBase): Promise<void> {
  try {
    await createEventsTable(client);
  } catch {
    // Two processes creating it at once: one of them fails on the catalog; the table is there now.
    await createEventsTable(client);
  }
}

async function createEventsTable(client: pg.ClientBase): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS keel_events (
       seq bigserial PRIMARY KEY,
       session_id text NOT NULL,
       turn integer NOT NULL,
       record jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  await client.query('CREATE INDEX IF NOT EXISTS keel_events_session ON keel_events (session_id, seq)');
}
