/**
 * A project-local Python virtual environment with pinned packages from PyPI, created by the bench itself the first
 * time it is needed (`.keel/venvs/<name>`), and reused while its packages match.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Returns the venv's python, creating or updating the venv when its pinned packages differ. @throws Error when python3 or pip fails. */
export function ensureVenv(directory: string, packages: string[], log: (line: string) => void): string {
  const python = join(directory, 'bin', 'python');
  const marker = join(directory, 'keel-packages.txt');
  const wanted = [...packages].sort().join('\n');
  if (existsSync(python) && existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return python;
  const hasVenv = spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status === 0;
  if (!hasVenv) throw new Error('python3 with the venv module (Debian: python3-venv) is needed for the LangGraph peer');
  log(`creating ${directory} with ${packages.join(' ')} (from PyPI)`);
  rmSync(directory, { recursive: true, force: true });
  execFileSync('python3', ['-m', 'venv', directory], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...packages], { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(marker, wanted);
  return python;
}
