/**
 * `npm run codec-server`: Keel's codec server for the Temporal UI and CLI (see codec-server.ts), configured by the
 * environment (see codec-server-config.ts): `KEEL_ENCRYPTION_KEYS` and `KEEL_CODEC_SERVER_TOKENS` (or their `_FILE`
 * forms) are required. Logs one JSON line per request (method, path, status). Exits 1 on bad configuration.
 */
import { createLogger } from '../logging/logger.js';
import { loadCodecServerConfig } from './codec-server-config.js';
import { startCodecServer } from './codec-server.js';

async function main(): Promise<void> {
  const config = loadCodecServerConfig();
  const logger = createLogger(config.logLevel);
  const server = await startCodecServer({
    codec: config.codec,
    tokens: config.tokens,
    allowedOrigins: config.allowedOrigins,
    port: config.port,
    host: config.host,
    onRequest: (entry) => logger.info(entry, 'codec request'),
  });
  logger.info({ url: server.url, allowedOrigins: config.allowedOrigins, currentKeyId: config.codec.currentKeyId }, 'keel codec server started');
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
