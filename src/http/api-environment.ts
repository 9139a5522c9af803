/**
 * What every route of the HTTP API shares: the hono environment (the caller a request acts as), the session
 * client, the limits, and the error responses each route lists in the OpenAPI document. Server-side.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { SessionClient } from '../client/session-client.js';
import type { ContentStore } from '../stores/content-store.js';
import { apiErrorBodySchema, apiErrorStatus, type ApiErrorType } from './api-error.js';
import type { ApiCaller } from './api-tokens.js';
import type { InFlightRequests } from './in-flight-requests.js';

export interface ApiEnvironment {
  Variables: { caller: ApiCaller };
}

export type ApiApp = OpenAPIHono<ApiEnvironment>;

export interface ApiServices {
  sessions: SessionClient;
  /** Event streams one token may hold open at once. */
  maxStreamsPerToken: number;
  /** The workers' content store, for stored blocks' full content; none answers 503. */
  store?: ContentStore;
  /** The workers' fork grant key, to sign a fork's grant over its source; none refuses forks. */
  grantKey?: Buffer;
  /** Called with an error the API answered with 500/503 (never sent to the client). */
  onInternalError: (error: unknown, request: { method: string; path: string }) => void;
  /** The requests being answered; work that outlives a request's handler (an event stream) runs in it too. */
  inFlight: InFlightRequests;
}

/** The error responses of a route, for its OpenAPI entry. */
export function errorResponses(...types: ApiErrorType[]): Record<number, { description: string; content: { 'application/json': { schema: typeof apiErrorBodySchema } } }> {
  const byStatus = new Map<number, ApiErrorType[]>();
  for (const type of types) byStatus.set(apiErrorStatus[type], [...(byStatus.get(apiErrorStatus[type]) ?? []), type]);
  return Object.fromEntries(
    [...byStatus].map(([status, named]) => [status, { description: `error: ${named.join(' or ')}`, content: { 'application/json': { schema: apiErrorBodySchema } } }]),
  );
}

/** A JSON body or answer of `schema`, for a route's OpenAPI entry. */
export const jsonContent = <Schema>(schema: Schema): { content: { 'application/json': { schema: Schema } } } => ({ content: { 'application/json': { schema } } });

/** Every route answers these. */
export const commonErrors: ApiErrorType[] = ['invalid_request', 'unauthorized', 'unavailable', 'internal'];
