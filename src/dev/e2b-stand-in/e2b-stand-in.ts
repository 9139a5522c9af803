/**
 * The E2B stand-in: a local replacement for E2B's cloud that the real `e2b` SDK talks to over real HTTP, so the
 * E2B sandbox provider can be run and tested on a machine that cannot reach E2B.
 *
 * Two `node:http` servers on 127.0.0.1 (ephemeral ports by default): the control plane (`apiUrl`, the SDK's
 * `apiUrl` option or `E2B_API_URL`) and envd, the in-sandbox daemon (`sandboxUrl`, the SDK's `sandboxUrl` option
 * or `E2B_SANDBOX_URL`). Each sandbox is a temporary directory on this machine where commands really run and files
 * are really read and written. Every call is recorded (`calls`), the control plane can be made to fail a call
 * (`failNext`), and a sandbox can be made to expire on demand (`expire`).
 *
 * What it is not: an isolation boundary (commands run as the current user, on this machine's network, and see the
 * host's absolute paths), nor a full E2B (no templates to build, pause/resume, snapshots, PTYs, stdin, watchers,
 * metrics, keep-alive pings). Dev/test code; used by tests and by `e2b-stand-in/main.ts`.
 */
import { listenHttp } from '../../internal/listen-http.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlPlaneHandler } from './control-plane-server.js';
import { createEnvdHandler } from './envd-server.js';
import { type ControlPlaneOperation, type StandInCall, type StandInFault, StandInJournal } from './stand-in-journal.js';
import { hostPath, type SandboxEnd, StandInSandboxes } from './stand-in-sandboxes.js';

export type { ControlPlaneOperation, StandInCall, StandInFault } from './stand-in-journal.js';

export interface E2BStandInOptions {
  /** The only API key the control plane accepts. @default `e2b_stand_in_key` */
  apiKey?: string;
  /** Templates that exist. @default `['base']` */
  templates?: readonly string[];
  /** @default 127.0.0.1 */
  host?: string;
  /** @default 0 (ephemeral) */
  controlPlanePort?: number;
  /** @default 0 (ephemeral) */
  envdPort?: number;
}

/** A running sandbox as the stand-in sees it. */
export interface StandInSandboxView {
  sandboxId: string;
  templateId: string;
  metadata: Record<string, string>;
  startedAt: Date;
  endAt: Date;
  allowInternetAccess: boolean | undefined;
  /** Commands still running in it. */
  processIds: number[];
}

export interface E2BStandIn {
  /** Control-plane base URL, for the SDK's `apiUrl` / `E2B_API_URL`. */
  apiUrl: string;
  /** envd base URL, for the SDK's `sandboxUrl` / `E2B_SANDBOX_URL`. */
  sandboxUrl: string;
  apiKey: string;
  /** Every call so far, in order of completion. */
  calls: StandInCall[];
  /** Calls of one operation: a control-plane operation, an RPC (`process.Process/Start`) or `GET /files`. */
  callsOf(operation: string): StandInCall[];
  /** The next call of `operation` fails as `fault` describes (after taking effect, unless told otherwise). */
  failNext(operation: ControlPlaneOperation, fault?: StandInFault): void;
  /** Sandboxes running now. */
  sandboxes(): StandInSandboxView[];
  /** Sandboxes that were killed or expired, oldest first. */
  ended: readonly SandboxEnd[];
  /** The file on this machine behind a path in a running sandbox. */
  hostPath(sandboxId: string, path: string): string;
  /** Ends a sandbox now as its timeout would. Returns false when it was not running. */
  expire(sandboxId: string): boolean;
  /** Kills every sandbox, stops both servers and removes the sandboxes' directories. */
  close(): Promise<void>;
}

export async function startE2BStandIn(options: E2BStandInOptions = {}): Promise<E2BStandIn> {
  const apiKey = options.apiKey ?? 'e2b_stand_in_key';
  const host = options.host ?? '127.0.0.1';
  const baseDirectory = mkdtempSync(join(tmpdir(), 'keel-e2b-stand-in-'));
  const sandboxes = new StandInSandboxes(baseDirectory);
  const journal = new StandInJournal();
  const controlPlane = createServer(
    createControlPlaneHandler({ apiKey, templates: options.templates ?? ['base'], sandboxes, journal }),
  );
  const envd = createServer(createEnvdHandler({ sandboxes, journal }));
  const apiUrl = await listenHttp(controlPlane, host, options.controlPlanePort ?? 0);
  const sandboxUrl = await listenHttp(envd, host, options.envdPort ?? 0);

  return {
    apiUrl,
    sandboxUrl,
    apiKey,
    calls: journal.calls,
    callsOf: (operation) => journal.callsOf(operation),
    failNext: (operation, fault) => journal.failNext(operation, fault),
    sandboxes: () =>
      sandboxes.list().map((sandbox) => ({
        sandboxId: sandbox.sandboxId,
        templateId: sandbox.templateId,
        metadata: { ...sandbox.metadata },
        startedAt: sandbox.startedAt,
        endAt: sandbox.endAt,
        allowInternetAccess: sandbox.allowInternetAccess,
        processIds: [...sandbox.processes.keys()],
      })),
    ended: sandboxes.ended,
    hostPath(sandboxId, path) {
      const sandbox = sandboxes.get(sandboxId);
      if (!sandbox) throw new Error(`no running stand-in sandbox ${sandboxId}`);
      return hostPath(sandbox, path);
    },
    expire: (sandboxId) => sandboxes.end(sandboxId, 'expired'),
    async close() {
      sandboxes.endAll();
      await Promise.all([stop(controlPlane), stop(envd)]);
      rmSync(baseDirectory, { recursive: true, force: true });
    },
  };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
