/**
 * The Redis transport (`KEEL_EVENTS=redis`): a stream per session (`keel:events:<session>`, capped, expiring ten
 * minutes after its last call ends), through node-redis. The worker appends each record; a subscriber reads what the
 * stream holds, then blocks on it for more (XREAD from the last id it saw), on a connection of its own (one per
 * session per process: the feed shares it).
 */
import { createClient } from 'redis';
import type { EventPublisher, EventSource, EventSubscriptionHandlers } from '../event-transport.js';
import { parseStreamRecord, type StreamRecord } from '../stream-record.js';

const keyOf = (session: string) => `keel:events:${session}`;
const RETAIN_MS = 10 * 60_000;
/** Entries kept per session (approximately: `MAXLEN ~` trims whole macro nodes, which is cheap). */
const MAX_ENTRIES = 10_000;
/** How long one XREAD blocks before it is sent again (it also bounds how long a closed subscription's read lingers). */
const BLOCK_MS = 5_000;
/** A subscriber whose Redis went away tries again this many times, then ends its live view (the transcript remains). */
const SUBSCRIBER_RECONNECTS = 5;

/**
 * A node-redis client for one of the transport's ends. Errors are reported to `onError` rather than as the client's
 * unhandled 'error' event (which would stop the process): a lost stream loses nothing.
 */
function redisClient(url: string, options: { reconnects: number; onError: (error: Error) => void }) {
  const client = createClient({
    url,
    // Publishing while Redis is away fails at once instead of queueing the stream without bound.
    disableOfflineQueue: options.reconnects === Infinity,
    socket: { reconnectStrategy: (retries) => (retries >= options.reconnects ? false : Math.min(100 * 2 ** retries, 2_000)) },
  });
  client.on('error', options.onError);
  return client;
}

type RedisClient = ReturnType<typeof redisClient>;

export class RedisEventPublisher implements EventPublisher {
  /** Connects (throws when Redis cannot be reached at all); later outages are retried for as long as the worker runs. */
  static async connect(url: string): Promise<RedisEventPublisher> {
    let publisher: RedisEventPublisher | undefined;
    const client = redisClient(url, { reconnects: Infinity, onError: (error) => publisher?.warnOnce(error) });
    await client.connect();
    publisher = new RedisEventPublisher(client);
    return publisher;
  }

  #warned = false;

  private constructor(private readonly client: RedisClient) {}

  publish(record: StreamRecord): void {
    const key = keyOf(record.session);
    this.client
      .xAdd(key, '*', { r: JSON.stringify(record) }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: MAX_ENTRIES } })
      .catch((error: unknown) => this.warnOnce(error as Error));
    if ('callEnd' in record) this.client.pExpire(key, RETAIN_MS).catch(() => undefined);
  }

  /** A failing publish is said once: the stream goes quiet, the sessions go on. */
  private warnOnce(error: Error): void {
    if (this.#warned) return;
    this.#warned = true;
    process.emitWarning(`live events: publishing to Redis failed (${error.message}); subscribers get replies from the transcript`);
  }

  async close(): Promise<void> {
    // Sends what was published before closing, as the worker's last records may still be on their way.
    if (this.client.isOpen) await this.client.close().catch(() => this.client.destroy());
  }
}

/** A stream entry's record, or undefined for an entry that is not one (another writer, a newer format). */
function recordOf(message: Record<string, string>, sessionId: string): StreamRecord | undefined {
  try {
    const record = typeof message.r === 'string' ? parseStreamRecord(JSON.parse(message.r)) : undefined;
    return record?.session === sessionId ? record : undefined;
  } catch {
    return undefined;
  }
}

export class RedisEventSource implements EventSource {
  readonly #closers = new Set<() => void>();

  constructor(private readonly url: string) {}

  subscribe(sessionId: string, handlers: EventSubscriptionHandlers): () => void {
    let closed = false;
    const client = redisClient(this.url, { reconnects: SUBSCRIBER_RECONNECTS, onError: () => undefined });
    const key = keyOf(sessionId);
    void (async () => {
      let last = '0-0';
      try {
        await client.connect();
        if (closed) return;
        for (const entry of (await client.xRange(key, '-', '+')) ?? []) {
          if (!entry) continue;
          last = entry.id;
          const record = recordOf(entry.message as Record<string, string>, sessionId);
          if (record) handlers.onRecord(record);
        }
      } catch {
        // No Redis: no live stream; the transcript still has every reply.
      }
      if (closed) return;
      handlers.onCaughtUp();
      while (!closed && client.isOpen) {
        try {
          // Resumes from the last id seen, also after a reconnect: nothing is given twice or skipped.
          const streams = await client.xRead({ key, id: last }, { BLOCK: BLOCK_MS });
          for (const { messages } of streams ?? []) {
            for (const { id, message } of messages) {
              last = id;
              const record = recordOf(message as Record<string, string>, sessionId);
              if (record && !closed) handlers.onRecord(record);
            }
          }
        } catch {
          // The connection dropped: the client reconnects (or gives up and closes, which ends the loop). The pause
          // keeps an error Redis answers at once (a key of another type) from spinning.
          if (!closed) await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    })();
    const close = () => {
      closed = true;
      // Ends a blocked XREAD at once; nothing of the subscriber's needs sending.
      if (client.isOpen) client.destroy();
      this.#closers.delete(close);
    };
    this.#closers.add(close);
    return close;
  }

  async close(): Promise<void> {
    for (const close of [...this.#closers]) close();
  }
}
