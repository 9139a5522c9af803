/**
 * The console's built files for tests: `npm run build:console` runs when dist/console is missing or older than a
 * file under console/ (or the lockfile), so that a fresh clone's `npm test` needs no step by hand. A lock folder
 * keeps two test files from building at once; the second waits and finds the build fresh.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/dev/project-root.js';

const root = projectRoot();
export const consoleSourceDirectory = join(root, 'console');
export const consoleBuildDirectory = join(root, 'dist', 'console');

function newestModification(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestModification(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  const page = join(consoleBuildDirectory, 'index.html');
  if (!existsSync(page)) return false;
  const sources = Math.max(newestModification(consoleSourceDirectory), statSync(join(root, 'package-lock.json')).mtimeMs);
  return statSync(page).mtimeMs >= sources;
}

/** Builds the console unless its build is current. @throws the build's error. */
export async function ensureConsoleBuilt(): Promise<string> {
  if (isFresh()) return consoleBuildDirectory;
  const lock = join(root, 'dist', '.console-build.lock');
  mkdirSync(join(root, 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than the deadline is left over from a killed run.
      if (Date.now() > deadline || Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 120_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (!isFresh()) execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(consoleSourceDirectory, 'vite.config.ts')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return consoleBuildDirectory;
}
