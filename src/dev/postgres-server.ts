/**
 * A throwaway PostgreSQL cluster: Debian's `postgresql` package (installed with apt-get when missing and running as
 * root), a cluster in a temporary folder, listening on a free port of 127.0.0.1, removed by `stop()` (or when the
 * process exits). PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user the package
 * creates. Used by the content store's tests and by the local Temporal cluster (`npm run cluster`), which also
 * restarts it to show that sessions survive a database restart. Dev tooling, worker-side.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { freeLocalPort, installDebianPackage } from './debian-service.js';
import { join } from 'node:path';

export interface PostgresServerOptions {
  /** TCP port on 127.0.0.1. @default a free one */
  port?: number;
  /** Extra `postgres -c` settings, e.g. `{ max_connections: '300' }`. */
  settings?: Record<string, string>;
}

export interface PostgresServer {
  /** `postgres://keel@127.0.0.1:<port>/postgres` (trust authentication, no password). */
  url: string;
  host: string;
  port: number;
  /** The superuser, `keel`. */
  user: string;
  /** The server's log file. */
  logFile: string;
  /** The postmaster's process id while it runs (its backends are its children), else `undefined`. */
  pid(): number | undefined;
  /** The URL of another database on this server. */
  databaseUrl(database: string): string;
  /** Stops the server at once (as a crash would: `pg_ctl stop -m immediate`) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function findBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : undefined;
}

/** The folder of PostgreSQL's programs (`initdb`, `postgres`, `pg_ctl`), installing the package first when missing. */
export function ensurePostgresTools(): string {
  const found = findBinaries();
  if (found) return found;
  installDebianPackage('postgresql', 'PostgreSQL');
  const installed = findBinaries();
  if (!installed) throw new Error('installed postgresql, but found no initdb under /usr/lib/postgresql/*/bin');
  return installed;
}

/** Starts a cluster; resolves once it accepts connections. */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bin = ensurePostgresTools();
  const binaries = bin;
  const asRoot = process.getuid?.() === 0;
  const folder = mkdtempSync(join(tmpdir(), 'keel-postgres-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(folder, uid, gid);
  }
  const run = (command: string, args: string[]): void => {
    const [file, fileArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    execFileSync(file, fileArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const data = join(folder, 'data');
  const logFile = join(folder, 'server.log');
  run(join(binaries, 'initdb'), ['-D', data, '-U', 'keel', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = options.port ?? (await freeLocalPort());
  const settings = Object.entries(options.settings ?? {}).map(([key, value]) => `-c ${key}=${value}`);
  // Quick but durable against a crash of the server process, which `restart()` is (`-m immediate`): without fsync a
  // commit's WAL is still written to the kernel before the commit returns, and a process crash loses nothing the
  // kernel holds. `synchronous_commit=off` would return before that write, and a crash would lose commits Temporal
  // was told were made: a workflow task or an activity's end gone from the database while the services go on as if
  // it were there, and the session never moves again (seen in the cluster fault test).
  const serverOptions = [`-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=on -c full_page_writes=off`, ...settings].join(' ');
  const start = (): void => run(join(binaries, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '60', '-l', logFile, '-o', serverOptions]);
  const stopImmediately = (): void => run(join(binaries, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']);
  start();

  let stopped = false;
  const stopNow = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      stopImmediately();
    } catch {
      // Already gone.
    }
    rmSync(folder, { recursive: true, force: true });
  };
  process.once('exit', stopNow);
  const databaseUrl = (database: string): string => `postgres://keel@127.0.0.1:${port}/${database}`;
  return {
    url: databaseUrl('postgres'),
    host: '127.0.0.1',
    port,
    user: 'keel',
    logFile,
    databaseUrl,
    pid() {
      try {
        return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
      } catch {
        return undefined;
      }
    },
    async restart() {
      stopImmediately();
      start();
    },
    async stop() {
      process.off('exit', stopNow);
      stopNow();
    },
  };
}
