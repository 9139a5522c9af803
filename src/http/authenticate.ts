/**
 * The bearer-token check in front of every route but the OpenAPI document: `Authorization: Bearer <token>` from
 * `KEEL_API_TOKENS`. With no token configured (allowed on loopback only, see http-api-config.ts) every request acts
 * on every session. Server-side.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './api-error.js';
import type { ApiEnvironment } from './api-environment.js';
import { createTokenVerifier, type ApiToken } from './api-tokens.js';
import { isConsolePath } from './console/console-routes.js';

/** Paths served without a token: they describe the API, never a session (the console's files are such too). */
const publicPaths = new Set(['/v1/openapi.json', '/healthz']);

export function authenticate(tokens: readonly ApiToken[]): MiddlewareHandler<ApiEnvironment> {
  const verify = createTokenVerifier(tokens);
  return async (c, next) => {
    if (tokens.length === 0 || publicPaths.has(c.req.path) || isConsolePath(c.req.path)) {
      c.set('caller', { tokenIndex: -1 });
      return next();
    }
    const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const caller = presented === undefined ? undefined : verify(presented);
    if (!caller) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ApiError('unauthorized', presented === undefined ? 'Authorization: Bearer <token> is required' : 'the token is not valid');
    }
    c.set('caller', caller);
    return next();
  };
}
