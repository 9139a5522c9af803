/**
 * What every `keel` verb shares: the global options (server address, namespace, task queue, `--json`, colour),
 * a lazily opened connection (Temporal's standard connection settings, see connect-client.ts), and the writers for
 * human and machine output. Client-side.
 */
import type { Client, Connection } from '@temporalio/client';
import { connectClient } from '../client/connect-client.js';
import { SessionClient } from '../client/session-client.js';
import { DEFAULT_TEMPORAL_ADDRESS } from '../config/temporal-connection.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_TASK_QUEUE } from '../shared/constants.js';
import type { ClientTracing } from '../tracing/client-tracing.js';
import { loadTracingConfig } from '../tracing/tracing-config.js';
import { colorEnabled, createStyle, type Style } from './output/style.js';

/** Options every verb accepts (set on the root command). */
export interface GlobalOptions {
  /** Temporal frontend, host:port. @default env `TEMPORAL_ADDRESS` (or the `temporal.toml` profile), else `localhost:7233` */
  address?: string;
  /** @default env `KEEL_NAMESPACE`, else `TEMPORAL_NAMESPACE` (or the profile's), else `default` */
  namespace?: string;
  /** @default env `KEEL_TASK_QUEUE`, else `keel` */
  taskQueue?: string;
  /** Machine-readable output on stdout. @default false */
  json?: boolean;
  /** `--no-color` sets this false. */
  color?: boolean;
}

export interface CliContext {
  readonly options: Pick<GlobalOptions, 'address' | 'namespace'> & Required<Pick<GlobalOptions, 'taskQueue'>> & { json: boolean };
  /** Style for stdout (colour only on a terminal). */
  readonly style: Style;
  /** Writes a line of human output to stdout (ending a line that `write` left open first). */
  print(line?: string): void;
  /** Writes human output as it comes (a reply's tokens), leaving the line open. */
  write(text: string): void;
  /** Whether the last output was a `write` that left its line open (no `print` since). */
  lineOpen(): boolean;
  /** Writes a value as JSON (one document, or one line with `lines`) to stdout. */
  printJson(value: unknown, options?: { lines?: boolean }): void;
  /** Writes a line to stderr (notes and progress that must not pollute `--json` output). */
  note(line: string): void;
  /** The connected session client; connects on first use. */
  sessions(): Promise<SessionClient>;
  /** The underlying Temporal client (connects on first use). */
  client(): Promise<Client>;
  /** Closes the connection if one was opened. */
  close(): Promise<void>;
}

export interface CliStreams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export function createCliContext(global: GlobalOptions, streams: CliStreams, environment: NodeJS.ProcessEnv = process.env): CliContext {
  const options = {
    ...(global.address ? { address: global.address } : {}),
    ...(global.namespace ? { namespace: global.namespace } : {}),
    taskQueue: global.taskQueue ?? environment.KEEL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    json: global.json === true,
  };
  const style = createStyle(!options.json && colorEnabled(streams.stdout, global.color, environment));
  let connecting: Promise<{ connection: Connection; client: Client; sessions: SessionClient }> | undefined;
  let tracing: ClientTracing | undefined;

  const connect = () => {
    connecting ??= (async () => {
      // OpenTelemetry loads only when tracing is configured: a verb without it starts that much sooner.
      const tracingConfig = loadTracingConfig(environment, 'keel-client');
      if (tracingConfig) tracing = (await import('../tracing/client-tracing.js')).createClientTracing(tracingConfig);
      const { connection, client } = await connectClient({
        environment,
        ...(options.address ? { address: options.address } : {}),
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(tracing ? { interceptors: { workflow: tracing.workflowClientInterceptors } } : {}),
        connectTimeoutMs: 10_000,
      }).catch((error: unknown) => {
        if (error instanceof ConfigError) throw new CliError(error.message, 2);
        throw new CliError(
          `cannot reach Temporal at ${options.address ?? environment.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS} (${error instanceof Error ? error.message : String(error)}); set --address or TEMPORAL_ADDRESS (and TEMPORAL_TLS, TEMPORAL_API_KEY or TEMPORAL_PROFILE where the server needs them)`,
        );
      });
      return { connection, client, sessions: new SessionClient({ client, taskQueue: options.taskQueue }) };
    })();
    return connecting;
  };

  // Tokens are written as they arrive; the next whole line starts on a line of its own.
  let lineOpen = false;
  return {
    options,
    style,
    print: (line = '') => {
      streams.stdout.write(`${lineOpen ? '\n' : ''}${line}\n`);
      lineOpen = false;
    },
    write: (text) => {
      if (text === '') return;
      streams.stdout.write(text);
      lineOpen = !text.endsWith('\n');
    },
    lineOpen: () => lineOpen,
    printJson: (value, printOptions) =>
      void streams.stdout.write(`${printOptions?.lines ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`),
    note: (line) => void streams.stderr.write(`${line}\n`),
    sessions: async () => (await connect()).sessions,
    client: async () => (await connect()).client,
    async close() {
      if (connecting) {
        const opened = await connecting.catch(() => undefined);
        await opened?.connection.close();
      }
      await tracing?.shutdown();
    },
  };
}

/**
 * A failure the CLI reports in one line and exits with `exitCode` (1: the operation failed; 2: the invocation or
 * its input is wrong).
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
