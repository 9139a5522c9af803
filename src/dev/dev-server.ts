/**
 * A persistent Temporal dev server (`temporal server start-dev`) with its UI and a SQLite file, for the demo and
 * for anyone running Keel on a laptop. Dev tooling, worker-side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Socket } from 'node:net';
import { dynamicConfigArgs } from './server-settings.js';

export interface DevServerOptions {
  /** The Temporal CLI binary. */
  cli: string;
  /** @default 127.0.0.1 */
  ip?: string;
  /** Frontend gRPC port. @default 7233 */
  port?: number;
  /** Web UI port. @default 8233 */
  uiPort?: number;
  /** SQLite file that keeps the server's state across restarts. */
  dbFile: string;
  /** How long to wait for the frontend to accept connections, ms. @default 30000 */
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** True when something accepts TCP connections at `host:port` within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** Starts `temporal server start-dev` and resolves once its frontend and UI accept connections. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  mkdirSync(dirname(options.dbFile), { recursive: true });
  const child = spawn(
    options.cli,
    ['server', 'start-dev', '--ip', ip, '--port', String(port), '--ui-port', String(uiPort), '--db-filename', options.dbFile, '--log-level', 'error', '--ui-disable-news-fetch', ...dynamicConfigArgs()],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = once(child, 'exit');
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal server start-dev exited with ${child.exitCode}: ${stderr.trim()}`);
    if ((await isListening(ip, port)) && (await isListening(ip, uiPort))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server start-dev did not listen on ${ip}:${port} in time: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    address: `${ip}:${port}`,
    uiUrl: `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}`,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
