/**
 * The local transport's worker end: the worker's model calls publish into this in-process hub, which keeps each
 * session's recent calls (the turn so far, for subscribers that come late or come back) and streams them to
 * subscribers over loopback HTTP as JSON lines. One hub per process and folder, shared by the process's workers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { listenHttp } from '../../internal/listen-http.js';
import type { EventPublisher } from '../event-transport.js';
import { recordTurn, type StreamRecord } from '../stream-record.js';
import { registerHub } from './local-hub-registry.js';

/** How long a session's records are kept after its last one, ms: a subscriber that comes back later reads the transcript. */
const RETAIN_MS = 10 * 60_000;

interface SessionLog {
  records: StreamRecord[];
  listeners: Set<ServerResponse>;
  touchedAt: number;
}

export class LocalEventHub implements EventPublisher {
  static readonly #shared = new Map<string, { hub: Promise<LocalEventHub>; users: number }>();

  /** The process's hub for `directory`, started on first use; each `close()` of it releases one use. */
  static async shared(directory: string): Promise<EventPublisher> {
    let entry = LocalEventHub.#shared.get(directory);
    if (!entry) {
      entry = { hub: LocalEventHub.start(directory), users: 0 };
      LocalEventHub.#shared.set(directory, entry);
    }
    entry.users += 1;
    const hub = await entry.hub.catch((error: unknown) => {
      LocalEventHub.#shared.delete(directory);
      throw error;
    });
    let released = false;
    return {
      publish: (record) => hub.publish(record),
      close: async () => {
        if (released) return;
        released = true;
        entry.users -= 1;
        if (entry.users === 0 && LocalEventHub.#shared.get(directory) === entry) {
          LocalEventHub.#shared.delete(directory);
          await hub.close();
        }
      },
    };
  }

  static async start(directory: string): Promise<LocalEventHub> {
    const hub = new LocalEventHub();
    const server = createServer((request, response) => hub.#serve(request, response));
    // The hub serves while the worker runs; it never keeps a process alive on its own.
    server.unref();
    const url = await listenHttp(server, '127.0.0.1', 0);
    const entry = registerHub(directory, url);
    hub.#server = server;
    hub.#token = Buffer.from(entry.token);
    hub.#removeEntry = entry.remove;
    process.once('exit', entry.remove);
    hub.#sweeper = setInterval(() => hub.#sweep(), 60_000).unref();
    return hub;
  }

  readonly #sessions = new Map<string, SessionLog>();
  #server: Server | undefined;
  #token = Buffer.alloc(0);
  #removeEntry: () => void = () => undefined;
  #sweeper: NodeJS.Timeout | undefined;

  publish(record: StreamRecord): void {
    let log = this.#sessions.get(record.session);
    if (!log) {
      log = { records: [], listeners: new Set(), touchedAt: Date.now() };
      this.#sessions.set(record.session, log);
    }
    // The turn in progress and the one before it: what a late subscriber may still miss of the transcript.
    const turn = recordTurn(record);
    if (log.records.length > 0 && recordTurn(log.records[0]!) < turn - 1) log.records = log.records.filter((kept) => recordTurn(kept) >= turn - 1);
    log.records.push(record);
    log.touchedAt = Date.now();
    const line = `${JSON.stringify(record)}\n`;
    for (const listener of log.listeners) listener.write(line);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#removeEntry();
    for (const log of this.#sessions.values()) for (const listener of log.listeners) listener.end();
    this.#sessions.clear();
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #sweep(): void {
    const cutoff = Date.now() - RETAIN_MS;
    for (const [session, log] of this.#sessions) if (log.listeners.size === 0 && log.touchedAt < cutoff) this.#sessions.delete(session);
  }

  #authorized(request: IncomingMessage): boolean {
    const given = Buffer.from((request.headers.authorization ?? '').replace(/^Bearer /, ''));
    return given.length === this.#token.length && timingSafeEqual(given, this.#token);
  }

  #serve(request: IncomingMessage, response: ServerResponse): void {
    const match = /^\/sessions\/([^/?]+)$/.exec(request.url ?? '');
    if (!this.#authorized(request)) {
      response.writeHead(401).end();
      return;
    }
    if (request.method !== 'GET' || !match) {
      response.writeHead(404).end();
      return;
    }
    const session = decodeURIComponent(match[1]!);
    let log = this.#sessions.get(session);
    if (!log) {
      log = { records: [], listeners: new Set(), touchedAt: Date.now() };
      this.#sessions.set(session, log);
    }
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    response.write(log.records.map((record) => `${JSON.stringify(record)}\n`).join('') + '{"caughtUp":true}\n');
    const listeners = log.listeners;
    listeners.add(response);
    const drop = () => {
      listeners.delete(response);
    };
    request.once('close', drop);
    response.once('close', drop);
  }
}
