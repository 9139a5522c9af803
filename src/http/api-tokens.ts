/**
 * The bearer tokens of `keel serve` (`KEEL_API_TOKENS`): comma-separated entries, each `<token>` (acts on every
 * session) or `<tenant>:<token>` (acts only on sessions whose `metadata.tenant` is that tenant). A presented token is
 * compared with every configured one in constant time: sha256 digests of equal length, all compared, so neither the
 * time taken nor an early exit says how much of a token was right. Server-side.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** Who a request acts as: a tenant, or (no tenant) every session. */
export interface ApiCaller {
  /** The tenant the token is scoped to. @default none: the token acts on every session */
  tenant?: string;
  /** An index of the token among the configured ones, for per-token limits (never the token itself). */
  tokenIndex: number;
}

export interface ApiToken {
  token: string;
  tenant?: string;
}

/** Shortest token accepted, characters: a short token is guessed. */
export const MIN_TOKEN_LENGTH = 16;

/** Tenants go into visibility queries and JSON metadata: plain names only. */
export const TENANT_PATTERN = /^[A-Za-z0-9._@-]{1,128}$/;

/**
 * Parses `KEEL_API_TOKENS`. @throws ConfigError on an empty entry, a short token or a tenant with other
 * characters (never printing a token).
 */
export function parseApiTokens(value: string): ApiToken[] {
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const tenant = colon >= 0 ? entry.slice(0, colon) : undefined;
    const token = colon >= 0 ? entry.slice(colon + 1) : entry;
    if (tenant !== undefined && !TENANT_PATTERN.test(tenant)) {
      throw new ConfigError(`KEEL_API_TOKENS entry ${index + 1}: a tenant is letters, digits, '.', '_', '@' or '-' (at most 128)`);
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new ConfigError(`KEEL_API_TOKENS entry ${index + 1}: a token has at least ${MIN_TOKEN_LENGTH} characters (openssl rand -hex 32)`);
    }
    return tenant === undefined ? { token } : { token, tenant };
  });
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** A function that answers who a presented token acts as, or undefined for a token that is not configured. */
export function createTokenVerifier(tokens: readonly ApiToken[]): (presented: string) => ApiCaller | undefined {
  const known = tokens.map((entry, index) => ({ digest: digest(entry.token), tenant: entry.tenant, index }));
  return (presented) => {
    const candidate = digest(presented);
    let match: (typeof known)[number] | undefined;
    // Every entry is compared, whatever matched before it.
    for (const entry of known) {
      if (timingSafeEqual(entry.digest, candidate) && !match) match = entry;
    }
    if (!match) return undefined;
    return match.tenant === undefined ? { tokenIndex: match.index } : { tenant: match.tenant, tokenIndex: match.index };
  };
}
