/**
 * The HTTP API of `keel serve` as a hono app: CORS for named origins, the bearer check, a body size limit, the
 * routes (one group per file under routes/), errors as `{error: {type, message}}` and the OpenAPI document at
 * `GET /v1/openapi.json`, generated from the same zod schemas the routes validate with. The app is built without
 * a listening server (start-http-api.ts listens), so tests may call it in process too. Server-side.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { ServiceError } from '@temporalio/client';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import type { SessionClient } from '../client/session-client.js';
import type { ContentStore } from '../stores/content-store.js';
import { ValidationError } from '../errors.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../shared/schemas/input-bounds.js';
import { ApiError } from './api-error.js';
import type { ApiApp, ApiEnvironment, ApiServices } from './api-environment.js';
import type { ApiToken } from './api-tokens.js';
import { authenticate } from './authenticate.js';
import { defaultConsoleDirectory } from './console/console-files.js';
import { registerConsoleRoutes } from './console/console-routes.js';
import { InFlightRequests } from './in-flight-requests.js';
import { OpenStreams, registerEventRoutes } from './routes/event-routes.js';
import { registerForkRoutes } from './routes/fork-routes.js';
import { registerMessageRoutes } from './routes/message-routes.js';
import { registerProfileRoutes } from './routes/profile-routes.js';
import { registerSessionRoutes } from './routes/session-routes.js';
import { registerSpendRoutes } from './routes/spend-routes.js';
import { registerStoredContentRoutes } from './routes/stored-content-routes.js';

export interface HttpApiOptions {
  sessions: SessionClient;
  /** Accepted bearer tokens; none means no check (loopback only). @default [] (env `KEEL_API_TOKENS`) */
  tokens?: readonly ApiToken[];
  /** Browser origins allowed by CORS. @default [] (env `KEEL_API_CORS_ORIGINS`) */
  corsOrigins?: readonly string[];
  /** Largest request body, bytes. @default 2097152 (env `KEEL_API_MAX_BODY_BYTES`) */
  maxBodyBytes?: number;
  /** Event streams one token may hold open at once. @default 256 (env `KEEL_API_MAX_STREAMS_PER_TOKEN`) */
  maxStreamsPerToken?: number;
  /** The web console at `/console/`: its built files and the Temporal UI it links to; `false` serves none. @default served from dist/console */
  console?: { directory?: string; temporalUiUrl?: string } | false;
  /** The workers' content store, for `GET /v1/sessions/{id}/stored/{hash}`. @default none: answered 503 (`keel serve` opens the store of `KEEL_STORE`, `KEEL_STORE_URL`, `KEEL_DATA_DIR`) */
  store?: ContentStore;
  /** The workers' fork grant key, for `POST /v1/sessions/{id}/fork`. @default none: forks are refused (env `KEEL_GRANT_KEY`, or the key file under `KEEL_DATA_DIR`) */
  grantKey?: Buffer;
  /** Called with an error answered as 500 or 503, for the log (the client sees no detail). */
  onInternalError?: ApiServices['onInternalError'];
}

/** The API's version in its OpenAPI document. */
const API_VERSION = '1';

const targetNames: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header' };

/** A request that breaks a route's schema: 400 naming where and which field. */
function invalidRequest(target: string, error: ZodError): ApiError {
  return new ApiError('invalid_request', `invalid ${targetNames[target] ?? target}: ${describeIssues(error)}`);
}

/** Any error to the API's answer; unexpected ones are reported and answered without detail. */
export function toApiError(error: unknown, report: () => void): ApiError {
  if (ApiError.isInstance(error)) return error;
  if (ValidationError.isInstance(error)) return new ApiError('invalid_request', error.message);
  if (error instanceof HTTPException) {
    if (error.status === 413) return new ApiError('too_large', 'the request body is too large');
    if (error.status === 400) return new ApiError('invalid_request', `invalid body: ${error.message || 'not JSON'}`);
  }
  report();
  // Temporal unreachable (gRPC UNAVAILABLE = 14, DEADLINE_EXCEEDED = 4) is worth a retry; the rest is a bug.
  const code = error instanceof ServiceError ? (error.cause as unknown as { code?: unknown } | undefined)?.code : undefined;
  if (code === 14 || code === 4) return new ApiError('unavailable', 'Temporal is not answering; try again');
  return new ApiError('internal', 'internal error');
}

/** Builds the app. @throws nothing: every failure of a request is answered as JSON. */
export function createHttpApi(options: HttpApiOptions): ApiApp & { openStreams: OpenStreams; inFlight: InFlightRequests } {
  const inFlight = new InFlightRequests(options.sessions.client);
  const services: ApiServices = {
    inFlight,
    sessions: options.sessions,
    maxStreamsPerToken: options.maxStreamsPerToken ?? 256,
    onInternalError: options.onInternalError ?? (() => undefined),
    ...(options.grantKey ? { grantKey: options.grantKey } : {}),
    ...(options.store ? { store: options.store } : {}),
  };
  const allowedOrigins = new Set(options.corsOrigins ?? []);
  const maxBodyBytes = options.maxBodyBytes ?? 2 * 1024 * 1024;

  const app: ApiApp = new OpenAPIHono<ApiEnvironment>({
    defaultHook: (result) => {
      if (!result.success) throw invalidRequest(result.target, result.error);
    },
  });

  const answer = (c: Context, error: ApiError): Response => c.json(error.body, error.status);
  app.onError((error, c) =>
    answer(
      c,
      toApiError(error, () => services.onInternalError(error, { method: c.req.method, path: c.req.path })),
    ),
  );
  app.notFound((c) => answer(c, new ApiError('not_found', `no route ${c.req.method} ${c.req.path}`)));

  // Every request's work is known, so that closing the API cancels and awaits its Temporal calls.
  app.use('*', (_c, next) => inFlight.run(next));
  app.use(
    '*',
    cors({
      origin: (origin) => (allowedOrigins.has(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
      maxAge: 600,
    }),
  );
  app.use('*', authenticate(options.tokens ?? []));
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new ApiError('too_large', `the request body is over ${maxBodyBytes} bytes`);
      },
    }),
  );
  // Nesting first, before any schema walks the body (the session's own trust boundary does the same).
  app.use('*', async (c, next) => {
    if (c.req.method === 'POST' && /^application\/([a-z.-]+\+)?json/i.test(c.req.header('content-type') ?? '')) {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new ApiError('invalid_request', 'invalid body: not JSON');
      }
      if (nestsDeeperThan(body)) throw new ApiError('invalid_request', `invalid body: nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    return next();
  });

  if (options.console !== false) {
    registerConsoleRoutes(app, {
      directory: options.console?.directory ?? defaultConsoleDirectory(),
      namespace: options.sessions.client.options.namespace,
      ...(options.console?.temporalUiUrl ? { temporalUiUrl: options.console.temporalUiUrl } : {}),
    });
  }
  registerSessionRoutes(app, services);
  registerMessageRoutes(app, services);
  registerProfileRoutes(app, services);
  registerSpendRoutes(app, services);
  registerForkRoutes(app, services);
  registerStoredContentRoutes(app, services);
  const openStreams = new OpenStreams();
  registerEventRoutes(app, services, openStreams);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Keel HTTP API',
      version: API_VERSION,
      description: 'Durable AI agent sessions: start, talk to, approve and stream them (`keel serve`).',
    },
    security: [{ bearer: [] }],
  });
  return Object.assign(app, { openStreams, inFlight });
}
