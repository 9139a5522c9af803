/**
 * `npm run codec-server`: Keel's codec server for the Temporal UI and CLI (see codec-server.ts). Environment:
 * `KEEL_ENCRYPTION_KEYS` (required; the workers' key ring), `KEEL_CODEC_SERVER_TOKENS` or `..._FILE` (required;
 * comma-separated bearer tokens), `KEEL_CODEC_SERVER_PORT` (default 8888), `KEEL_CODEC_SERVER_HOST` (default
 * 127.0.0.1), `KEEL_CODEC_SERVER_CORS_ORIGINS` (comma-separated UI origins, default `http://localhost:8080`).
 * Logs one JSON line per request (method, path, status). Exits 1 on bad configuration.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readSecretVariable } from '../secrets/read-secret-variable.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { createLogger } from '../worker/logger.js';
import { startCodecServer } from './codec-server.js';
import { codecFromEnvironment } from './data-converter-from-environment.js';

const codecServerEnvironmentSchema = z.object({
  KEEL_CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8888),
  KEEL_CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  KEEL_CODEC_SERVER_CORS_ORIGINS: z.string().default('http://localhost:8080'),
  KEEL_LOG_LEVEL: z.string().default('info'),
});

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

async function main(): Promise<void> {
  const parsed = codecServerEnvironmentSchema.safeParse(
    Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) throw new ConfigError(`codec server environment: ${describeIssues(parsed.error)}`);
  const env = parsed.data;
  const codec = codecFromEnvironment();
  if (!codec) throw new ConfigError('KEEL_ENCRYPTION_KEYS is not set: the codec server needs the workers\' key ring');
  const tokens = list(readSecretVariable('KEEL_CODEC_SERVER_TOKENS') ?? '');
  if (tokens.length === 0) throw new ConfigError('KEEL_CODEC_SERVER_TOKENS (or KEEL_CODEC_SERVER_TOKENS_FILE) is not set: the codec server serves no one without a token');
  const logger = createLogger(env.KEEL_LOG_LEVEL);
  const allowedOrigins = list(env.KEEL_CODEC_SERVER_CORS_ORIGINS);
  const server = await startCodecServer({
    codec,
    tokens,
    allowedOrigins,
    port: env.KEEL_CODEC_SERVER_PORT,
    host: env.KEEL_CODEC_SERVER_HOST,
    onRequest: (entry) => logger.info(entry, 'codec request'),
  });
  logger.info({ url: server.url, allowedOrigins, currentKeyId: codec.currentKeyId }, 'keel codec server started');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void server.close().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), name: 'keel', msg: `keel codec server: ${error instanceof Error ? error.message : String(error)}` })}\n`);
  process.exit(1);
});
