/**
 * Connects a Temporal client as every Keel client does (`SessionClient.connect`, the `keel` CLI): connection and
 * namespace from Temporal's standard environment (see temporal-connection.ts: address, TLS or mTLS, API key,
 * `temporal.toml` profiles; `KEEL_NAMESPACE` wins), payloads sealed with `KEEL_ENCRYPTION_KEYS` when it is set.
 * Client-side.
 */
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { dataConverterFromEnvironment } from '../codec/data-converter-from-environment.js';
import { temporalConnectionFromEnvironment, type TemporalConnectionOverrides } from '../config/temporal-connection.js';

export interface ConnectClientOptions extends TemporalConnectionOverrides {
  /** Where settings are read from. @default `process.env` */
  environment?: NodeJS.ProcessEnv;
  /** Payload conversion. @default sealed with `KEEL_ENCRYPTION_KEYS` when set, else plain JSON */
  dataConverter?: DataConverter;
  interceptors?: ClientInterceptors;
  /** How long to wait for the server, ms. @default the SDK's (10 s) */
  connectTimeoutMs?: number;
}

export interface ConnectedClient {
  connection: Connection;
  client: Client;
  /** The frontend it connected to, for messages. */
  address: string;
}

/**
 * @throws ConfigError before connecting when the settings (config file, certificates, key ring) are unreadable or
 * malformed; rejects with the SDK's error when the server cannot be reached.
 */
export async function connectClient(options: ConnectClientOptions = {}): Promise<ConnectedClient> {
  const environment = options.environment ?? process.env;
  const temporal = temporalConnectionFromEnvironment(environment, {
    ...(options.address ? { address: options.address } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  const dataConverter = options.dataConverter ?? dataConverterFromEnvironment(environment);
  const connection = await Connection.connect({
    ...temporal.connectionOptions,
    ...(options.connectTimeoutMs !== undefined ? { connectTimeout: options.connectTimeoutMs } : {}),
  });
  const client = new Client({
    connection,
    namespace: temporal.namespace,
    ...(dataConverter ? { dataConverter } : {}),
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
  });
  return { connection, client, address: temporal.connectionOptions.address };
}
