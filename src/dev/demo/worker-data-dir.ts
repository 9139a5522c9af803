/**
 * Where the demo's worker keeps its data. A worker running as root gives each session a uid of its own, which must
 * be able to pass through every folder above the data folder; a clone under /root (mode 700), or a private temporary
 * folder, keeps them out, and the local sandbox would be unavailable. The demo then uses a folder of its own under
 * the system's temporary folder instead and says so. Dev tooling.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface DemoWorkerDataDir {
  path: string;
  /** Why the preferred folder was not used; undefined when it was. */
  movedBecause?: string;
}

/** The first existing folder from `path` up that other users cannot pass through, if any. */
function closedAncestor(path: string): string | undefined {
  for (let directory = path; ; directory = dirname(directory)) {
    try {
      if ((statSync(directory).mode & 0o001) === 0) return directory;
    } catch {
      // Not made yet: the worker creates it passable.
    }
    if (directory === dirname(directory)) return undefined;
  }
}

/** The fallback folder for `dataDirectory`: one per demo data folder, so runs with the same one share it. */
export function fallbackWorkerDataDir(dataDirectory: string): string {
  return join(tmpdir(), `keel-demo-worker-${createHash('sha256').update(dataDirectory).digest('hex').slice(0, 12)}`);
}

export function demoWorkerDataDir(dataDirectory: string): DemoWorkerDataDir {
  const preferred = join(dataDirectory, 'worker');
  if (process.getuid?.() !== 0) return { path: preferred };
  const closed = closedAncestor(dirname(preferred));
  if (closed === undefined) return { path: preferred };
  const fallback = fallbackWorkerDataDir(dataDirectory);
  mkdirSync(fallback, { recursive: true });
  chmodSync(fallback, 0o711);
  return { path: fallback, movedBecause: `${closed} does not let other users pass (the sandbox gives each session a uid of its own)` };
}
