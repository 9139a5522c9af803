import { serveHttp } from '../internal/listen-http.js';
import { createServer } from 'node:http';

/**
 * `GET /healthz` for container health checks: 200 while `isHealthy()` (the worker polls), else 503. Answers nothing
 * else and reveals nothing but the state. Worker-side.
 */
export async function startHealthServer(options: {
  host: string;
  port: number;
  state: () => string;
  isHealthy: () => boolean;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || new URL(request.url ?? '/', 'http://health').pathname !== '/healthz') {
      response.writeHead(404).end();
      return;
    }
    const healthy = options.isHealthy();
    response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ state: options.state() }));
  });
  return serveHttp(server, options.host, options.port);
}
