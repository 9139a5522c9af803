/**
 * The Redis transport (`KEEL_EVENTS=redis`): a stream per session (`keel:events:<session>`, capped, expiring ten
 * minutes after its last call ends). The worker appends each record; a subscriber reads what the stream holds, then
 * blocks on it for more, on a connection of its own (one per session per process: the feed shares it).
 */
import type { EventPublisher, EventSource, EventSubscriptionHandlers } from '../event-transport.js';
import { parseStreamRecord, type StreamRecord } from '../stream-record.js';
import { RespConnection, type RespValue } from './resp-connection.js';

const keyOf = (session: string) => `keel:events:${session}`;
const RETAIN_MS = 10 * 60_000;

export class RedisEventPublisher implements EventPublisher {
  static async connect(url: string): Promise<RedisEventPublisher> {
    return new RedisEventPublisher(await RespConnection.connect(url));
  }

  #warned = false;

  private constructor(private readonly connection: RespConnection) {}

  publish(record: StreamRecord): void {
    const key = keyOf(record.session);
    this.connection.command('XADD', key, 'MAXLEN', '~', '10000', '*', 'r', JSON.stringify(record)).catch((error: unknown) => this.#warnOnce(error));
    if ('callEnd' in record) void this.connection.command('PEXPIRE', key, String(RETAIN_MS)).catch(() => undefined);
  }

  /** A failing publish is said once: the stream goes quiet, the sessions go on. */
  #warnOnce(error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    process.emitWarning(`live events: publishing to Redis failed (${(error as Error).message}); subscribers get replies from the transcript`);
  }

  async close(): Promise<void> {
    this.connection.close();
  }
}

/** Entries of an XRANGE / XREAD answer: `[id, ['r', json]]`. */
function entriesOf(value: RespValue): Array<{ id: string; record: StreamRecord | undefined }> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) return [];
    const json = entry[1][1];
    let record: StreamRecord | undefined;
    try {
      record = typeof json === 'string' ? parseStreamRecord(JSON.parse(json)) : undefined;
    } catch {
      record = undefined;
    }
    return [{ id: entry[0], record }];
  });
}

export class RedisEventSource implements EventSource {
  readonly #closers = new Set<() => void>();

  constructor(private readonly url: string) {}

  subscribe(sessionId: string, handlers: EventSubscriptionHandlers): () => void {
    let closed = false;
    let connection: RespConnection | undefined;
    const key = keyOf(sessionId);
    void (async () => {
      let last = '0-0';
      try {
        connection = await RespConnection.connect(this.url);
        if (closed) return connection.close();
        for (const { id, record } of entriesOf(await connection.command('XRANGE', key, '-', '+'))) {
          last = id;
          if (record && record.session === sessionId) handlers.onRecord(record);
        }
      } catch {
        // No Redis: no live stream; the transcript still has every reply.
      }
      if (closed) return;
      handlers.onCaughtUp();
      while (!closed && connection) {
        try {
          const answer = await connection.command('XREAD', 'BLOCK', '5000', 'STREAMS', key, last);
          const streams = Array.isArray(answer) ? answer : [];
          for (const stream of streams) {
            if (!Array.isArray(stream)) continue;
            for (const { id, record } of entriesOf(stream[1] ?? [])) {
              last = id;
              if (record && record.session === sessionId && !closed) handlers.onRecord(record);
            }
          }
        } catch {
          return;
        }
      }
    })();
    const close = () => {
      closed = true;
      connection?.close();
      this.#closers.delete(close);
    };
    this.#closers.add(close);
    return close;
  }

  async close(): Promise<void> {
    for (const close of [...this.#closers]) close();
  }
}
