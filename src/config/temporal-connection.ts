/**
 * Where and how every Keel process reaches Temporal: the worker, the `keel` CLI and `SessionClient.connect` all
 * call {@link temporalConnectionFromEnvironment}, so one set of variables (Temporal's own) configures all of them.
 * Read by `@temporalio/envconfig` as the Temporal CLI and the other SDKs read it: `TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`, `TEMPORAL_TLS_CLIENT_CERT_PATH`,
 * `TEMPORAL_TLS_CLIENT_KEY_PATH`, `TEMPORAL_TLS_SERVER_CA_CERT_PATH`, `TEMPORAL_TLS_SERVER_NAME`,
 * `TEMPORAL_PROFILE` and `TEMPORAL_CONFIG_FILE` (a `temporal.toml`; else the platform's default location).
 * `KEEL_NAMESPACE`, where set, wins over `TEMPORAL_NAMESPACE` and the profile's namespace. Client- and worker-side.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError } from '../errors.js';
import { DEFAULT_NAMESPACE } from '../shared/constants.js';

/** The default frontend when neither the environment nor a profile names one. */
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

/** Connection options that both `Connection.connect` (client) and `NativeConnection.connect` (worker) accept. */
export interface TemporalConnectionOptions {
  address: string;
  /** TLS settings; `true` for TLS with the system's roots (an API key alone turns it on). */
  tls?: TLSConfig | boolean;
  /** Sent as `Authorization: Bearer <apiKey>` on every request. */
  apiKey?: string;
  /** gRPC metadata on every request (`TEMPORAL_GRPC_META_*`, a profile's `grpc_meta`). */
  metadata?: Record<string, string>;
}

export interface TemporalConnection {
  connectionOptions: TemporalConnectionOptions;
  namespace: string;
}

/** Explicit settings (CLI flags, `connect()` options) that win over the environment. */
export interface TemporalConnectionOverrides {
  address?: string;
  namespace?: string;
}

/**
 * Resolves the connection settings once. @throws ConfigError when the config file or a certificate file cannot
 * be read, naming it; nothing is connected here.
 */
export function temporalConnectionFromEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
  overrides: TemporalConnectionOverrides = {},
): TemporalConnection {
  const variables = Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined));
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({
      overrideEnvVars: variables,
      ...(variables.TEMPORAL_PROFILE ? { profile: variables.TEMPORAL_PROFILE } : {}),
    });
  } catch (error) {
    throw new ConfigError(`Temporal connection settings: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { address, tls, apiKey, metadata } = loaded.connectionOptions;
  return {
    connectionOptions: {
      address: nonEmpty(overrides.address) ?? nonEmpty(address) ?? DEFAULT_TEMPORAL_ADDRESS,
      ...(tls !== undefined && tls !== null ? { tls } : {}),
      ...(apiKey !== undefined && typeof apiKey === 'string' ? { apiKey } : {}),
      ...(metadata && Object.keys(metadata).length > 0 ? { metadata: metadata as Record<string, string> } : {}),
    },
    namespace: overrides.namespace ?? nonEmpty(variables.KEEL_NAMESPACE) ?? loaded.namespace ?? DEFAULT_NAMESPACE,
  };
}

/** What a log line or an error may show of the settings: never the key or certificate contents. */
export function describeTemporalConnection(connection: TemporalConnection): Record<string, string> {
  const { tls, apiKey } = connection.connectionOptions;
  return {
    address: connection.connectionOptions.address,
    namespace: connection.namespace,
    tls: tls === undefined || tls === false ? 'off' : typeof tls === 'object' && tls.clientCertPair ? 'mTLS' : 'on',
    temporalApiKey: apiKey ? 'set' : 'not set',
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
