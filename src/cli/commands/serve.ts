/**
 * `keel serve`: the HTTP API and live event stream (src/http/) for apps in any language, until SIGINT or SIGTERM.
 * Thin: settings from the flags and the environment (http-api-config.ts), the connection from the CLI's context.
 */
import type { Command } from 'commander';
import { parseEncryptionKeys } from '../../codec/encryption-keys.js';
import { loadGrantKey } from '../../codec/fork-grant.js';
import { ConfigError } from '../../errors.js';
import { DEFAULT_API_HOST, DEFAULT_API_PORT, loadHttpApiSettings } from '../../http/http-api-config.js';
import { createLogger } from '../../logging/logger.js';
import { readSecretVariable } from '../../secrets/read-secret-variable.js';
import { CliError } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';

interface ServeFlags {
  port: string;
  host: string;
}

export function registerServe(program: Command, io: ActionEnvironment): void {
  program
    .command('serve')
    .description('serve the HTTP API and live event stream (see the README, "HTTP API")')
    .option('--port <port>', 'port to listen on', String(DEFAULT_API_PORT))
    .option('--host <host>', 'address to listen on; anything but loopback requires KEEL_API_TOKENS', DEFAULT_API_HOST)
    .addHelpText('after', '\nEnvironment: KEEL_API_TOKENS (`<token>` or `<tenant>:<token>`, comma-separated), KEEL_API_CORS_ORIGINS, KEEL_API_MAX_STREAMS_PER_TOKEN, KEEL_API_MAX_BODY_BYTES, KEEL_CONSOLE_TEMPORAL_UI_URL; as the workers: KEEL_GRANT_KEY or KEEL_DATA_DIR for forks, KEEL_STORE, KEEL_STORE_URL, KEEL_ENCRYPTION_KEYS for stored content.')
    .action(
      defineAction<ServeFlags>(io, async (context, _positionals, flags) => {
        const port = Number(flags.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port ${flags.port}: expected a port number`, 2);
        let settings;
        try {
          settings = loadHttpApiSettings(flags.host, io.environment);
        } catch (error) {
          if (ConfigError.isInstance(error)) throw new CliError(error.message, 2);
          throw error;
        }
        const logger = createLogger(io.environment.KEEL_LOG_LEVEL ?? 'info');
        // The workers' key signs forks' grants; a server away from the workers without KEEL_GRANT_KEY refuses forks.
        // A key that is set but wrong is an error at start, not a silent refusal later.
        const keyGiven = io.environment.KEEL_GRANT_KEY !== undefined || io.environment.KEEL_GRANT_KEY_FILE !== undefined;
        let grantKey: Buffer | undefined;
        try {
          grantKey = loadGrantKey(io.environment.KEEL_DATA_DIR ?? '.keel/data', { create: false }, io.environment);
        } catch (error) {
          if (keyGiven) throw new CliError((error as Error).message, 2);
        }
        // Loaded here, not at the top: the HTTP stack is not something `keel list` should pay for at start.
        const [{ startHttpApi }, { openContentStore }] = await Promise.all([import('../../http/start-http-api.js'), import('../../stores/open-content-store.js')]);
        // The workers' store, as `keel purge` opens it, for stored blocks' full content (sealed blobs need their keys).
        const environment = io.environment;
        const storeUrl = readSecretVariable('KEEL_STORE_URL', environment);
        const keySpecification = readSecretVariable('KEEL_ENCRYPTION_KEYS', environment);
        let store;
        try {
          store = await openContentStore({
            kind: environment.KEEL_STORE === 'postgres' ? 'postgres' : 'file',
            dataDir: environment.KEEL_DATA_DIR ?? '.keel/data',
            ...(storeUrl ? { url: storeUrl } : {}),
            ...(keySpecification ? { keys: parseEncryptionKeys(keySpecification) } : {}),
          });
        } catch (error) {
          if (ConfigError.isInstance(error)) throw new CliError(error.message, 2);
          throw error;
        }
        const api = await startHttpApi({
          ...settings,
          sessions: await context.sessions(),
          ...(grantKey ? { grantKey } : {}),
          store,
          host: flags.host,
          port,
          onInternalError: (error, request) => logger.error({ ...request, error: error instanceof Error ? error.message : String(error) }, 'keel serve: request failed'),
        });
        logger.info({ url: api.url, tokens: settings.tokens.length, corsOrigins: settings.corsOrigins }, 'keel serve: listening');
        await new Promise<void>((resolve) => {
          for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
        });
        await api.close();
        await store.close();
      }),
    );
}
