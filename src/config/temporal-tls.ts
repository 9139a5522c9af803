/**
 * TLS to the Temporal frontend from Temporal's standard environment variables (the names of the contract's
 * "Connecting to Temporal" list): `TEMPORAL_TLS` (`true` for server-verified TLS without a client certificate),
 * `TEMPORAL_TLS_CLIENT_CERT_PATH` and `TEMPORAL_TLS_CLIENT_KEY_PATH` (mutual TLS, together),
 * `TEMPORAL_TLS_SERVER_CA_CERT_PATH` (a private authority) and `TEMPORAL_TLS_SERVER_NAME` (the name the server's
 * certificate is for, when it differs from the address). None set: plain connection. Worker-side.
 */
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow/tls-config.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';

const temporalTlsVariablesSchema = z.object({
  TEMPORAL_TLS: z.enum(['true', 'false', '1', '0']).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
});
const temporalTlsEnvironmentSchema = temporalTlsVariablesSchema.refine((env) => (env.TEMPORAL_TLS_CLIENT_CERT_PATH === undefined) === (env.TEMPORAL_TLS_CLIENT_KEY_PATH === undefined), {
  message: 'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together',
  path: ['TEMPORAL_TLS_CLIENT_KEY_PATH'],
});

/** The variables read here. */
export const temporalTlsEnvironmentVariables = Object.keys(temporalTlsVariablesSchema.shape);

function readFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`${variable}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * The connection's `tls` option, or `undefined` for a plain connection.
 * @throws ConfigError naming the variable when a value is invalid or a file cannot be read.
 */
export function temporalTlsFromEnvironment(env: NodeJS.ProcessEnv): TLSConfig | undefined {
  const parsed = temporalTlsEnvironmentSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid TLS settings: ${describeIssues(parsed.error)}`);
  const values = parsed.data;
  const anyFile = values.TEMPORAL_TLS_CLIENT_CERT_PATH ?? values.TEMPORAL_TLS_SERVER_CA_CERT_PATH ?? values.TEMPORAL_TLS_SERVER_NAME;
  const enabled = values.TEMPORAL_TLS === undefined ? anyFile !== undefined : values.TEMPORAL_TLS === 'true' || values.TEMPORAL_TLS === '1';
  if (!enabled) return undefined;
  return {
    ...(values.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: values.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(values.TEMPORAL_TLS_SERVER_CA_CERT_PATH
      ? { serverRootCACertificate: readFile('TEMPORAL_TLS_SERVER_CA_CERT_PATH', values.TEMPORAL_TLS_SERVER_CA_CERT_PATH) }
      : {}),
    ...(values.TEMPORAL_TLS_CLIENT_CERT_PATH && values.TEMPORAL_TLS_CLIENT_KEY_PATH
      ? {
          clientCertPair: {
            crt: readFile('TEMPORAL_TLS_CLIENT_CERT_PATH', values.TEMPORAL_TLS_CLIENT_CERT_PATH),
            key: readFile('TEMPORAL_TLS_CLIENT_KEY_PATH', values.TEMPORAL_TLS_CLIENT_KEY_PATH),
          },
        }
      : {}),
  };
}
