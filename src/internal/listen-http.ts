import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts `server` listening and answers its base URL (`http://host:port`, an IPv6 host in brackets). Port 0 takes a
 * free one; `backlog` is the queue of connections not yet accepted (Node's default 511; the system caps it at
 * `net.core.somaxconn`). @throws the listen error (the port in use, an address not on this machine) instead of
 * leaving the server half started.
 */
export async function listenHttp(server: Server, host: string, port: number, backlog?: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ...(backlog !== undefined ? { backlog } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shown}:${address.port}`;
}

/** A listening server and how to stop it. */
export interface ListeningHttpServer {
  url: string;
  /** Stops listening and ends every open connection at once (a keep-alive client would otherwise hold it open). */
  close(): Promise<void>;
}

/** {@link listenHttp}, answering with a `close()` that does not wait for idle keep-alive connections. */
export async function serveHttp(server: Server, host: string, port: number): Promise<ListeningHttpServer> {
  const url = await listenHttp(server, host, port);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
