/**
 * The stand-in's control plane: the REST routes of E2B's API that the `e2b` SDK calls to manage sandboxes, on
 * `node:http`. It checks the `X-API-KEY` header, answers in E2B's JSON shapes (`Sandbox`, `ListedSandbox`,
 * `{code, message}` errors), and can fail a call on request (see {@link StandInJournal.failNext}).
 *
 * Routes: `POST /v2/sandboxes` (create), `GET /v2/sandboxes` (list, with the `metadata`, `state`, `template`,
 * `startedAfter`, `order`, `limit` and `nextToken` query and the `X-Next-Token` header), `POST
 * /v2/sandboxes/{id}/connect`, `GET /sandboxes/{id}`, `POST /sandboxes/{id}/timeout`, `DELETE /sandboxes/{id}`.
 * Anything else (templates, pause, snapshots, metrics, ...) is a 501 naming the route. Dev/test code only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ControlPlaneOperation, StandInJournal } from './stand-in-journal.js';
import type { StandInSandbox, StandInSandboxes } from './stand-in-sandboxes.js';

/** The envd version the stand-in reports: new enough for every SDK path it serves. */
export const standInEnvdVersion = '0.5.7';

const defaultSandboxTimeoutSeconds = 300;
const defaultListLimit = 100;

const newSandboxSchema = z.object({
  templateID: z.string().min(1),
  metadata: z.record(z.string(), z.string()).optional(),
  envVars: z.record(z.string(), z.string()).optional(),
  timeout: z.number().int().nonnegative().optional(),
  allow_internet_access: z.boolean().optional(),
});

const timeoutBodySchema = z.object({ timeout: z.number().int().nonnegative() });
const connectBodySchema = z.object({ timeout: z.number().int().nonnegative().optional() });

export interface ControlPlaneOptions {
  apiKey: string;
  /** Template ids or aliases that exist; any other makes create answer 404 like E2B's API. */
  templates: readonly string[];
  sandboxes: StandInSandboxes;
  journal: StandInJournal;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Route {
  method: string;
  pattern: RegExp;
  operation: ControlPlaneOperation;
}

const routes: Route[] = [
  { method: 'POST', pattern: /^\/v2\/sandboxes$/, operation: 'create' },
  { method: 'GET', pattern: /^\/v2\/sandboxes$/, operation: 'list' },
  { method: 'POST', pattern: /^\/v2\/sandboxes\/([^/]+)\/connect$/, operation: 'connect' },
  { method: 'GET', pattern: /^\/sandboxes\/([^/]+)$/, operation: 'getInfo' },
  { method: 'POST', pattern: /^\/sandboxes\/([^/]+)\/timeout$/, operation: 'setTimeout' },
  { method: 'DELETE', pattern: /^\/sandboxes\/([^/]+)$/, operation: 'kill' },
];

/** The `node:http` request handler of the control plane. */
export function createControlPlaneHandler(options: ControlPlaneOptions): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void handle(options, request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, error instanceof Error ? error.message : String(error));
      else response.destroy();
    });
  };
}

async function handle(options: ControlPlaneOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://stand-in');
  const route = routes.find((candidate) => candidate.method === request.method && candidate.pattern.test(url.pathname));
  const sandboxId = route ? decodeURIComponent(route.pattern.exec(url.pathname)?.[1] ?? '') || undefined : undefined;
  const record = (status: number) =>
    options.journal.record({ api: 'control-plane', operation: route?.operation ?? `${request.method} ${url.pathname}`, ...(sandboxId ? { sandboxId } : {}), status });
  try {
    const body = await readJson(request);
    if (request.headers['x-api-key'] !== options.apiKey) throw new HttpError(401, 'Invalid API key');
    if (!route) throw new HttpError(501, `the E2B stand-in does not serve ${request.method} ${url.pathname}`);
    const fault = options.journal.takeFault(route.operation);
    const fails = fault !== undefined && (fault.status !== undefined || fault.dropConnection === true || fault.delayMs === undefined);
    if (fault && fails && fault.afterEffect === false) return failWith(fault, response, record);
    const { status, payload, headers = {} } = perform(options, route.operation, sandboxId, url, body);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault && fails) return failWith(fault, response, record);
    record(status);
    if (payload === undefined) {
      response.writeHead(status, headers).end();
    } else {
      response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    }
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    record(error.status);
    sendError(response, error.status, error.message);
  }
}

function perform(
  options: ControlPlaneOptions,
  operation: ControlPlaneOperation,
  sandboxId: string | undefined,
  url: URL,
  body: unknown,
): { status: number; payload?: unknown; headers?: Record<string, string> } {
  const { sandboxes } = options;
  const running = (): StandInSandbox => {
    const sandbox = sandboxId ? sandboxes.get(sandboxId) : undefined;
    if (!sandbox) throw new HttpError(404, `sandbox "${sandboxId}" doesn't exist or you don't have access to it`);
    return sandbox;
  };
  switch (operation) {
    case 'create': {
      const input = parse(newSandboxSchema, body);
      if (!options.templates.includes(input.templateID)) throw new HttpError(404, `template '${input.templateID}' not found`);
      const sandbox = sandboxes.create({
        templateId: input.templateID,
        metadata: input.metadata ?? {},
        envVars: input.envVars ?? {},
        timeoutSeconds: input.timeout ?? defaultSandboxTimeoutSeconds,
        allowInternetAccess: input.allow_internet_access,
      });
      return { status: 201, payload: sandboxBody(sandbox) };
    }
    case 'list':
      return listSandboxes(sandboxes.list(), url.searchParams);
    case 'connect': {
      const sandbox = running();
      const input = parse(connectBodySchema, body ?? {});
      sandboxes.extendTo(sandbox, input.timeout ?? defaultSandboxTimeoutSeconds);
      return { status: 200, payload: sandboxBody(sandbox) };
    }
    case 'getInfo': {
      const sandbox = running();
      return { status: 200, payload: { ...listedSandboxBody(sandbox), envdAccessToken: sandbox.envdAccessToken, domain: null } };
    }
    case 'setTimeout': {
      const sandbox = running();
      sandboxes.setTimeout(sandbox, parse(timeoutBodySchema, body).timeout);
      return { status: 204 };
    }
    case 'kill': {
      running();
      sandboxes.end(sandboxId as string, 'killed');
      return { status: 204 };
    }
  }
}

function listSandboxes(all: StandInSandbox[], query: URLSearchParams): { status: number; payload: unknown; headers: Record<string, string> } {
  // The SDK sends `metadata` as a query string of URL-encoded pairs ("k=v&k2=v2"), itself encoded as one value.
  const wanted = [...new URLSearchParams(query.get('metadata') ?? '')].map(([key, value]) => [decodeURIComponent(key), decodeURIComponent(value)]);
  const states = query.get('state')?.split(',').filter(Boolean);
  const template = query.get('template');
  const startedAfter = query.get('startedAfter');
  const order = query.get('order') === 'asc' ? 1 : -1;
  const matching = all
    .filter((sandbox) => wanted.every(([key, value]) => sandbox.metadata[key as string] === value))
    .filter(() => !states || states.includes('running'))
    .filter((sandbox) => !template || sandbox.templateId === template)
    .filter((sandbox) => !startedAfter || sandbox.startedAt.getTime() >= Date.parse(startedAfter))
    .sort((a, b) => order * (a.startedAt.getTime() - b.startedAt.getTime()) || a.sandboxId.localeCompare(b.sandboxId));
  const limit = Number(query.get('limit') ?? defaultListLimit) || defaultListLimit;
  const offset = Number(Buffer.from(query.get('nextToken') ?? '', 'base64url').toString() || 0);
  const page = matching.slice(offset, offset + limit);
  const next = offset + limit < matching.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
  return {
    status: 200,
    payload: page.map(listedSandboxBody),
    headers: { 'x-total-running': String(all.length), ...(next ? { 'x-next-token': next } : {}) },
  };
}

function sandboxBody(sandbox: StandInSandbox) {
  return {
    templateID: sandbox.templateId,
    sandboxID: sandbox.sandboxId,
    clientID: 'stand-in',
    envdVersion: standInEnvdVersion,
    envdAccessToken: sandbox.envdAccessToken,
    trafficAccessToken: null,
    domain: null,
  };
}

function listedSandboxBody(sandbox: StandInSandbox) {
  return {
    templateID: sandbox.templateId,
    sandboxID: sandbox.sandboxId,
    clientID: 'stand-in',
    startedAt: sandbox.startedAt.toISOString(),
    endAt: sandbox.endAt.toISOString(),
    cpuCount: 2,
    memoryMB: 512,
    diskSizeMB: 1024,
    metadata: sandbox.metadata,
    state: 'running',
    envdVersion: standInEnvdVersion,
    volumeMounts: [],
  };
}

function failWith(
  fault: { status?: number; message?: string; dropConnection?: boolean },
  response: ServerResponse,
  record: (status: number) => void,
): void {
  if (fault.dropConnection) {
    record(0);
    response.socket?.destroy();
    return;
  }
  const status = fault.status ?? 500;
  record(status);
  sendError(response, status, fault.message ?? 'injected fault');
}

function sendError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: status, message }));
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new HttpError(400, `invalid request body: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unreadable'}`);
  }
  return result.data;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}
