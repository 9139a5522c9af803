/**
 * Free TCP ports for the cluster's services. Temporal keeps each host's membership port in PostgreSQL as a
 * smallint, so every port here stays below 32768, under the range Linux hands out as ephemeral ports (where a
 * port asked for with `listen(0)` would come from). Dev tooling.
 */
import { createServer } from 'node:net';

const lowest = 20_000;
const highest = 32_767;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` distinct ports between 20000 and 32767 that are free on 127.0.0.1 right now. */
export async function freeLowPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 10_000) throw new Error(`found only ${ports.length} of ${count} free ports between ${lowest} and ${highest}`);
    const port = lowest + Math.floor(Math.random() * (highest - lowest + 1));
    if (!ports.includes(port) && (await bindable(port))) ports.push(port);
  }
  return ports;
}
