/**
 * The Temporal server configuration of the local cluster: one file that every service process reads (each started
 * with `start --service <name>`), PostgreSQL for the main store and SQL visibility, several history shards, mutual
 * TLS on the frontend (the internal worker service with a certificate of its own), and the dynamic config file that
 * docker-compose.yml mounts too. Dev tooling.
 */
import { stringify } from 'yaml';
import type { ClusterCertificates } from './cluster-certificates.js';

/** The four services a production Temporal cluster runs, in the order they must start on a fresh database. */
export const clusterServices = ['history', 'matching', 'worker', 'frontend'] as const;
export type ClusterService = (typeof clusterServices)[number];

export interface ServicePorts {
  grpc: number;
  /** Ringpop membership. PostgreSQL stores it as a smallint: below 32768. */
  membership: number;
}

export type ClusterPorts = Record<ClusterService, ServicePorts> & { frontendHttp: number };

export interface ClusterConfigOptions {
  ports: ClusterPorts;
  postgres: { host: string; port: number; user: string };
  /** Fixed for the life of the database. @default 4 */
  historyShards?: number;
  certificates: ClusterCertificates;
  /** Absolute path of the dynamic config YAML. */
  dynamicConfigFile: string;
  /** @default 'warn' */
  logLevel?: string;
}

/** The main store's and visibility's database names, as Temporal's compose setup names them. */
export const temporalDatabases = { main: 'temporal', visibility: 'temporal_visibility' } as const;

/** The YAML text of the configuration. */
export function renderClusterConfig(options: ClusterConfigOptions): string {
  const { ports, postgres, certificates } = options;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (service: ClusterService) => ({
    rpc: {
      grpcPort: ports[service].grpc,
      membershipPort: ports[service].membership,
      bindOnIP: '127.0.0.1',
      ...(service === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
    },
  });
  const frontendAddress = `127.0.0.1:${ports.frontend.grpc}`;
  const trustServer = { serverName: certificates.serverName, rootCaFiles: [certificates.authority] };
  const config = {
    log: { stdout: true, level: options.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: options.historyShards ?? 4,
      datastores: {
        'postgres-default': datastore(temporalDatabases.main, 20),
        'postgres-visibility': datastore(temporalDatabases.visibility, 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        frontend: {
          server: {
            certFile: certificates.server.certificate,
            keyFile: certificates.server.key,
            clientCaFiles: [certificates.authority],
            requireClientAuth: true,
          },
          client: trustServer,
        },
        // With client certificates required, the internal worker service (schedules, batch operations, the
        // namespace deletion and scanner workflows) is refused without one of its own.
        systemWorker: {
          certFile: certificates.systemWorker.certificate,
          keyFile: certificates.systemWorker.key,
          client: trustServer,
        },
      },
    },
    services: Object.fromEntries(clusterServices.map((name) => [name, service(name)])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontendAddress } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: frontendAddress },
    dynamicConfigClient: { filepath: options.dynamicConfigFile, pollInterval: '10s' },
  };
  return stringify(config);
}
