/**
 * The worker image runs as an unprivileged user (`node`, uid 1000): the same local sandbox, prepared and run by a
 * worker process of that uid, isolates commands with the same bubblewrap command line. Run as root, the test drops
 * a real child process to uid 1000 with setpriv (no Docker engine here: this is the part of the image that can be
 * exercised on this machine).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const imageUser = { uid: 1000, gid: 1000 };
const script = fileURLToPath(new URL('./fixtures/unprivileged-sandbox-run.ts', import.meta.url));
const checkout = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Lets other users pass through the checkout's folder and those above it, as the image's /app is, and gives back
 * what it changed. A fresh clone made in a `mktemp -d` folder is 0700: uid 1000 could not even load its own code.
 */
function letOthersPassThrough(folder: string): () => void {
  const changed: Array<{ path: string; mode: number }> = [];
  for (let path = folder; ; path = dirname(path)) {
    const mode = statSync(path).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      changed.push({ path, mode });
      chmodSync(path, mode | 0o001);
    }
    if (dirname(path) === path) break;
  }
  return () => {
    for (const { path, mode } of changed) chmodSync(path, mode);
  };
}

test('unprivileged worker: as the image\'s non-root user, bubblewrap isolates commands and forbids nested user namespaces', { skip: process.getuid?.() !== 0 ? 'needs root to become the image user' : false }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keel-unprivileged-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  chownSync(dataDir, imageUser.uid, imageUser.gid);
  t.after(letOthersPassThrough(checkout));
  const { stdout } = await promisify(execFile)(
    'setpriv',
    [`--reuid=${imageUser.uid}`, `--regid=${imageUser.gid}`, '--clear-groups', '--', process.execPath, '--import', 'tsx', script, dataDir],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dataDir }, cwd: checkout, timeout: 60_000 },
  );
  const found = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.equal(found.uid, imageUser.uid);
  assert.equal(found.isolation, 'bubblewrap', found.bubblewrapProblem);
  assert.equal(found.disableNestedUserNamespaces, true);
  assert.equal(found.sessionUids, false);
  assert.match(found.report.join('\n'), /commands run as the worker's uid 1000 \(one for all sessions: the worker is not root\)/);
  assert.equal(found.command.exitCode, 0, found.command.stderr);
  assert.equal(found.command.stdout, '1000\nmade\n1\nnested-refused\n lo\n');
  // Network for such a worker needs /dev/net/tun open to it (compose passes the device); the report names what is missing.
  if (found.outboundNetworkProblem) assert.match(found.report.join('\n'), /sessions with network get none on this worker: /);
});
