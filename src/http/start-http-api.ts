/**
 * Listens with the HTTP API (`keel serve`): Node's HTTP server through @hono/node-server, with the limits a public
 * server needs besides the body limit of the app: header size, and how long a client may take to send its headers
 * and its request (a slow client cannot hold a connection open for nothing). Responses may take long: a message
 * waits for its turn, an event stream lasts the session. Server-side.
 */
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { listenHttp } from '../internal/listen-http.js';
import { createHttpApi, type HttpApiOptions } from './create-http-api.js';

/**
 * Connections the kernel may hold for the server before it accepts them. A burst of clients opening event streams
 * at once (a thousand subscribers of one session) overflows Node's default of 511, and each connection beyond it
 * waits for its SYN to be sent again (1 s, then 3 s...) or is reset.
 */
const LISTEN_BACKLOG = 4096;

export interface StartHttpApiOptions extends HttpApiOptions {
  /** @default 8787 (`keel serve --port`); 0 takes a free port */
  port?: number;
  /** @default `127.0.0.1` (`keel serve --host`) */
  host?: string;
  /** Largest request head (request line and headers), bytes. @default 16384 */
  maxHeaderBytes?: number;
  /** Time a client has to send its headers, ms. @default 10000 */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request, ms. @default 30000 */
  requestTimeoutMs?: number;
}

export interface RunningHttpApi {
  /** e.g. `http://127.0.0.1:8787` */
  readonly url: string;
  readonly server: Server;
  /** Event streams open now (all tokens). */
  openStreams(): number;
  /**
   * Stops listening, closes every connection (event streams included), cancels the Temporal calls of requests
   * still in flight and resolves once they have ended: the Temporal connection may be closed next.
   */
  close(): Promise<void>;
}

/** @throws the listen error (port in use, an address not on this machine). */
export async function startHttpApi(options: StartHttpApiOptions): Promise<RunningHttpApi> {
  const app = createHttpApi(options);
  const server = createAdaptorServer({
    fetch: app.fetch,
    serverOptions: { maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024 },
  }) as Server;
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  const url = await listenHttp(server, options.host ?? '127.0.0.1', options.port ?? 8787, LISTEN_BACKLOG);
  return {
    url,
    server,
    openStreams: () => app.openStreams.total,
    close: async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await app.inFlight.close();
      await stopped;
    },
  };
}
