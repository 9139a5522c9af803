/**
 * A Python virtual environment of the project's own, under `.keel/venvs/<name>`, with the packages a test needs
 * installed from PyPI by the test itself. Kept between runs (a marker records what was installed), created with
 * an atomic rename so that parallel test files never see half an environment. Installs Debian's `python3-venv`
 * when the interpreter lacks `ensurepip` and the host allows it (root with apt-get).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/dev/project-root.js';

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function createVenv(directory: string): void {
  let created = run('python3', ['-m', 'venv', directory]);
  if (!created.ok && /ensurepip|python3-venv/i.test(created.output)) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!isRoot || !run('sh', ['-c', 'command -v apt-get']).ok) throw new Error(`python3 -m venv needs python3-venv, which cannot be installed here:\n${created.output}`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'python3-venv'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    rmSync(directory, { recursive: true, force: true });
    created = run('python3', ['-m', 'venv', directory]);
  }
  if (!created.ok) throw new Error(`python3 -m venv failed:\n${created.output}`);
}

/** Returns the environment's python, creating it and installing `requirements` (pip specifiers) when needed. */
export function ensurePythonVenv(name: string, requirements: string[]): string {
  const directory = join(projectRoot(), '.keel', 'venvs', name);
  const python = join(directory, 'bin', 'python');
  const marker = join(directory, '.keel-requirements');
  const wanted = requirements.join('\n');
  if (existsSync(python) && existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return python;

  const staging = `${directory}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(projectRoot(), '.keel', 'venvs'), { recursive: true });
  try {
    createVenv(staging);
    // `python -m pip`, not bin/pip: scripts carry the staging path in their shebang, the interpreter does not.
    const installed = run(join(staging, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...requirements]);
    if (!installed.ok) throw new Error(`pip install ${requirements.join(' ')} failed:\n${installed.output}`);
    writeFileSync(join(staging, '.keel-requirements'), wanted);
    rmSync(directory, { recursive: true, force: true });
    renameSync(staging, directory);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return python;
}
