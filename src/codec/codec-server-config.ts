/**
 * Codec server settings from the environment, validated once at start. Secrets (the key ring and the tokens) are
 * read here from the variable or its `_FILE` form and never logged.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readSecretVariable } from '../secrets/read-secret-variable.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import type { AesGcmCodec } from './aes-gcm-codec.js';
import { codecFromEnvironment } from './data-converter-from-environment.js';

const codecServerEnvironmentSchema = z.object({
  /** @default 8888 (env `KEEL_CODEC_SERVER_PORT`) */
  KEEL_CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8888),
  /** @default `127.0.0.1` (env `KEEL_CODEC_SERVER_HOST`) */
  KEEL_CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  /** Comma-separated browser origins of the Temporal UI. @default `http://localhost:8080` (env `KEEL_CODEC_SERVER_CORS_ORIGINS`) */
  KEEL_CODEC_SERVER_CORS_ORIGINS: z.string().default('http://localhost:8080'),
  /** @default `info` (env `KEEL_LOG_LEVEL`) */
  KEEL_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

/** Every variable the codec server reads, for deployment files and their checks. */
export const codecServerEnvironmentVariables: readonly string[] = [
  ...Object.keys(codecServerEnvironmentSchema.shape),
  'KEEL_ENCRYPTION_KEYS',
  'KEEL_ENCRYPTION_KEYS_FILE',
  'KEEL_CODEC_SERVER_TOKENS',
  'KEEL_CODEC_SERVER_TOKENS_FILE',
];

export interface CodecServerConfig {
  codec: AesGcmCodec;
  tokens: string[];
  allowedOrigins: string[];
  port: number;
  host: string;
  logLevel: string;
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/** @throws ConfigError naming the variable when a setting is missing or wrong (never printing a secret). */
export function loadCodecServerConfig(environment: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const parsed = codecServerEnvironmentSchema.safeParse(
    Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) throw new ConfigError(`codec server environment: ${describeIssues(parsed.error)}`);
  const codec = codecFromEnvironment(environment);
  if (!codec) throw new ConfigError("KEEL_ENCRYPTION_KEYS (or KEEL_ENCRYPTION_KEYS_FILE) is not set: the codec server needs the workers' key ring");
  const tokens = list(readSecretVariable('KEEL_CODEC_SERVER_TOKENS', environment) ?? '');
  if (tokens.length === 0) {
    throw new ConfigError('KEEL_CODEC_SERVER_TOKENS (or KEEL_CODEC_SERVER_TOKENS_FILE) is not set: the codec server serves no one without a token');
  }
  return {
    codec,
    tokens,
    allowedOrigins: list(parsed.data.KEEL_CODEC_SERVER_CORS_ORIGINS),
    port: parsed.data.KEEL_CODEC_SERVER_PORT,
    host: parsed.data.KEEL_CODEC_SERVER_HOST,
    logLevel: parsed.data.KEEL_LOG_LEVEL,
  };
}
