/**
 * Counts side effects as they happen: an HTTP server on 127.0.0.1 that the `record_effect` tool of the suite's
 * workers (counting-worker-main.ts) calls once per run with a marker, `POST <url>/<marker>`. Kept outside every
 * worker, so a call run twice (retried after a lost worker) counts two.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SideEffectCounter {
  url: string;
  /** How many times each marker was posted. */
  counts: Map<string, number>;
  close(): Promise<void>;
}

export async function startSideEffectCounter(): Promise<SideEffectCounter> {
  const counts = new Map<string, number>();
  const server = createServer((request, response) => {
    const marker = decodeURIComponent((request.url ?? '/').slice(1));
    if (request.method !== 'POST' || !marker) {
      response.writeHead(400).end();
      return;
    }
    counts.set(marker, (counts.get(marker) ?? 0) + 1);
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
