/**
 * The local transport's subscriber end: follows a session on every worker hub of the folder (the worker running
 * the session's call may be any of them, and the one that runs its retry after a crash is another), finding new
 * hubs as workers start. Client-side, same machine as the workers.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import type { EventSource, EventSubscriptionHandlers } from '../event-transport.js';
import { jsonLineReader } from '../json-lines.js';
import { parseStreamRecord } from '../stream-record.js';
import { listHubs, type HubEntry } from './local-hub-registry.js';

export interface LocalEventSourceOptions {
  directory: string;
  /** How often the folder is read again for hubs of workers started since, ms. @default 500 */
  rescanMs?: number;
  /** How long a hub may take to send what it holds before the subscription is called caught up without it, ms. @default 2000 */
  catchUpTimeoutMs?: number;
}

export class LocalEventSource implements EventSource {
  readonly #directory: string;
  readonly #rescanMs: number;
  readonly #catchUpTimeoutMs: number;
  readonly #closers = new Set<() => void>();

  constructor(options: LocalEventSourceOptions) {
    this.#directory = options.directory;
    this.#rescanMs = options.rescanMs ?? 500;
    this.#catchUpTimeoutMs = options.catchUpTimeoutMs ?? 2_000;
  }

  subscribe(sessionId: string, handlers: EventSubscriptionHandlers): () => void {
    const connections = new Map<string, ClientRequest>();
    let closed = false;
    let caughtUp = false;
    let waitingFor = new Set<string>();
    const markCaughtUp = () => {
      if (caughtUp || closed) return;
      caughtUp = true;
      clearTimeout(catchUpTimer);
      handlers.onCaughtUp();
    };
    const settled = (file: string) => {
      waitingFor.delete(file);
      if (waitingFor.size === 0) markCaughtUp();
    };

    const connect = (hub: HubEntry) => {
      const request = httpRequest(`${hub.url}/sessions/${encodeURIComponent(sessionId)}`, { headers: { authorization: `Bearer ${hub.token}` } });
      connections.set(hub.file, request);
      const done = () => {
        // A hub that went away (its worker stopped or died) is dropped; one still listed is connected again at the
        // next scan (what it resends is known already and kept once).
        if (connections.get(hub.file) === request) connections.delete(hub.file);
        settled(hub.file);
      };
      request.once('error', done);
      request.once('response', (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          done();
          return;
        }
        const read = jsonLineReader((value) => {
          if (closed) return;
          if (typeof value === 'object' && value !== null && 'caughtUp' in value) {
            settled(hub.file);
            return;
          }
          const record = parseStreamRecord(value);
          if (record && record.session === sessionId) handlers.onRecord(record);
        });
        response.on('data', read);
        response.once('end', done);
        response.once('error', done);
      });
      request.end();
    };

    const scan = () => {
      if (closed) return;
      for (const hub of listHubs(this.#directory)) if (!connections.has(hub.file)) connect(hub);
    };

    const initial = listHubs(this.#directory);
    waitingFor = new Set(initial.map((hub) => hub.file));
    const catchUpTimer = setTimeout(markCaughtUp, this.#catchUpTimeoutMs);
    for (const hub of initial) connect(hub);
    if (initial.length === 0) queueMicrotask(markCaughtUp);
    const rescan = setInterval(scan, this.#rescanMs);

    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(rescan);
      clearTimeout(catchUpTimer);
      for (const request of connections.values()) request.destroy();
      connections.clear();
      this.#closers.delete(close);
    };
    this.#closers.add(close);
    return close;
  }

  async close(): Promise<void> {
    for (const close of [...this.#closers]) close();
  }
}
