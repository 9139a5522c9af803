/**
 * Settings of `keel serve`, from the environment and the command's flags, validated once at start. Tokens are read
 * from `KEEL_API_TOKENS` or its `_FILE` form and never logged. Server-side.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readSecretVariable } from '../secrets/read-secret-variable.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { parseApiTokens, type ApiToken } from './api-tokens.js';

/** Where `keel serve` listens, unless told otherwise. */
export const DEFAULT_API_PORT = 8787;
export const DEFAULT_API_HOST = '127.0.0.1';

const apiEnvironmentSchema = z.object({
  /** Comma-separated browser origins allowed by CORS. @default none (env `KEEL_API_CORS_ORIGINS`) */
  KEEL_API_CORS_ORIGINS: z.string().default(''),
  /** Event streams one token may hold open at once. @default 256 (env `KEEL_API_MAX_STREAMS_PER_TOKEN`) */
  KEEL_API_MAX_STREAMS_PER_TOKEN: z.coerce.number().int().positive().max(1_000_000).default(256),
  /** Largest request body, bytes. @default 2097152 (2 MiB: a session takes at most 1.5 MiB in one message) */
  KEEL_API_MAX_BODY_BYTES: z.coerce.number().int().positive().max(64 * 1024 * 1024).default(2 * 1024 * 1024),
  /** The Temporal UI's base URL, e.g. `http://localhost:8233`: the console links each session to its workflow there. @default no link */
  KEEL_CONSOLE_TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).optional(),
});

/** Every variable `keel serve` reads besides Temporal's own, for the README's settings table and its check. */
export const httpApiEnvironmentVariables: readonly string[] = [...Object.keys(apiEnvironmentSchema.shape), 'KEEL_API_TOKENS', 'KEEL_API_TOKENS_FILE'];

export interface HttpApiSettings {
  tokens: ApiToken[];
  corsOrigins: string[];
  maxStreamsPerToken: number;
  maxBodyBytes: number;
  console: { temporalUiUrl?: string };
}

/** True for an address only this machine reaches. `0.0.0.0` and `::` are every interface, not loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

/**
 * @throws ConfigError naming the variable when a setting is wrong, and when `host` is not loopback and no token
 * is set: the API would serve every session to anyone who reaches it.
 */
export function loadHttpApiSettings(host: string, environment: NodeJS.ProcessEnv = process.env): HttpApiSettings {
  const parsed = apiEnvironmentSchema.safeParse(Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== '')));
  if (!parsed.success) throw new ConfigError(`keel serve environment: ${describeIssues(parsed.error)}`);
  const tokens = parseApiTokens(readSecretVariable('KEEL_API_TOKENS', environment) ?? '');
  if (tokens.length === 0 && !isLoopbackHost(host)) {
    throw new ConfigError(
      `keel serve: bound to ${host}, which is not loopback, it requires KEEL_API_TOKENS (or KEEL_API_TOKENS_FILE): without tokens it listens on 127.0.0.1 only`,
    );
  }
  return {
    tokens,
    corsOrigins: parsed.data.KEEL_API_CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter((origin) => origin.length > 0),
    maxStreamsPerToken: parsed.data.KEEL_API_MAX_STREAMS_PER_TOKEN,
    maxBodyBytes: parsed.data.KEEL_API_MAX_BODY_BYTES,
    console: parsed.data.KEEL_CONSOLE_TEMPORAL_UI_URL ? { temporalUiUrl: parsed.data.KEEL_CONSOLE_TEMPORAL_UI_URL.replace(/\/+$/, '') } : {},
  };
}
