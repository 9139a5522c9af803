import { createServer } from 'node:net';

/** A TCP server that greets and counts whoever connects: the target a sandboxed command must (not) reach. */
export interface CountingServer {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Listens on `host` (`0.0.0.0`: every address of this machine) on a free port. Tests only. */
export async function startCountingServer(host: string, greeting: string): Promise<CountingServer> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.end(greeting);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
