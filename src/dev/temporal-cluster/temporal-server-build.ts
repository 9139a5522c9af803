/**
 * Finds or builds the Temporal server (`temporal-server`) and its schema tool (`temporal-sql-tool`) for the local
 * cluster, with the PostgreSQL schema files of the same version, under `.keel/tools/temporal-server-<version>/`.
 * No release binaries are downloaded: both are built from Temporal's Go module through the Go module proxy, which
 * also serves the Go toolchain the module needs (`GOTOOLCHAIN`), so any machine with a Go command builds them
 * (about five minutes on two cores; Go's build cache outside the repository makes a rebuild quick). Dev tooling.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../project-root.js';

/** The server version the cluster runs; docker-compose.yml pins the same (a test keeps them in step). */
export const TEMPORAL_SERVER_VERSION = '1.32.2';
/** The Go toolchain that version's module asks for, fetched by the Go command itself. */
export const TEMPORAL_SERVER_GO_TOOLCHAIN = 'go1.27.3';

export interface TemporalServerTools {
  version: string;
  /** The server binary (`start --service <name>`). */
  server: string;
  /** The SQL schema tool, as `temporalio/admin-tools` ships it. */
  sqlTool: string;
  /** `schema/postgresql/v12` of the server's module: `temporal/versioned` and `visibility/versioned`. */
  postgresSchemaDirectory: string;
}

/** Where the tools of a version live. */
export function temporalServerToolsDirectory(version = TEMPORAL_SERVER_VERSION, root = projectRoot()): string {
  return join(root, '.keel', 'tools', `temporal-server-${version}`);
}

function toolsIn(directory: string, version: string): TemporalServerTools {
  return {
    version,
    server: join(directory, 'temporal-server'),
    sqlTool: join(directory, 'temporal-sql-tool'),
    postgresSchemaDirectory: join(directory, 'schema', 'postgresql', 'v12'),
  };
}

/** The tools of a version when already built, else `undefined`. Never builds. */
export function findTemporalServerTools(version = TEMPORAL_SERVER_VERSION): TemporalServerTools | undefined {
  const tools = toolsIn(temporalServerToolsDirectory(version), version);
  return existsSync(tools.server) && existsSync(tools.sqlTool) && existsSync(tools.postgresSchemaDirectory) ? tools : undefined;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const collect = (chunk: Buffer): void => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${tail.trim()}`));
    });
    log(`$ ${command} ${args.join(' ')}`);
  });
}

/**
 * Returns the tools of `version`, building them first when missing. Throws when no `go` command is on PATH, or
 * when the build fails (with the end of its output).
 */
export async function ensureTemporalServerTools(options: { version?: string; log?: (line: string) => void } = {}): Promise<TemporalServerTools> {
  const version = options.version ?? TEMPORAL_SERVER_VERSION;
  const log = options.log ?? (() => {});
  const found = findTemporalServerTools(version);
  if (found) return found;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`the Temporal server ${version} is not built under ${temporalServerToolsDirectory(version)} and there is no \`go\` command to build it (install Go; it fetches the toolchain it needs)`);
  }
  const directory = temporalServerToolsDirectory(version);
  // Built beside the final folder and renamed at the end, so that an interrupted build is never taken for a done one.
  const partial = `${directory}.partial`;
  mkdirSync(partial, { recursive: true });
  const env = { ...process.env, GOTOOLCHAIN: TEMPORAL_SERVER_GO_TOOLCHAIN, GOBIN: partial };
  log(`building the Temporal server ${version} from its Go module (about five minutes the first time)`);
  await run('go', ['install', `go.temporal.io/server/cmd/server@v${version}`, `go.temporal.io/server/cmd/tools/sql@v${version}`], env, log);
  renameSync(join(partial, 'server'), join(partial, 'temporal-server'));
  renameSync(join(partial, 'sql'), join(partial, 'temporal-sql-tool'));
  // The schema files come with the module the build just downloaded.
  const moduleCache = spawnSync('go', ['env', 'GOMODCACHE'], { env, encoding: 'utf8' }).stdout.trim();
  const schemaSource = join(moduleCache, 'go.temporal.io', `server@v${version}`, 'schema', 'postgresql', 'v12');
  if (!existsSync(schemaSource)) throw new Error(`the Temporal server module has no PostgreSQL schema at ${schemaSource}`);
  cpSync(schemaSource, join(partial, 'schema', 'postgresql', 'v12'), { recursive: true });
  rmSync(directory, { recursive: true, force: true });
  renameSync(partial, directory);
  log(`built the Temporal server ${version} into ${directory}`);
  return toolsIn(directory, version);
}
