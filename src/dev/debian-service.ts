/** What the throwaway servers of src/dev (PostgreSQL, Redis) share: installing Debian's package, a free port. */
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Installs a Debian package with apt-get. @throws Error naming the package where that cannot be done (not root, no apt). */
export function installDebianPackage(name: string, what: string): void {
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) throw new Error(`${what} is not installed and cannot be installed here (needs root and apt-get): apt-get install ${name}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Test files run side by side and several may need a package at once (Chromium for the console and the eval
  // report): a second apt-get would fail on dpkg's lock. One install at a time, through a lock file; whoever comes
  // second finds the package installed and apt-get does nothing. The lock timeout covers an apt run of another kind.
  const apt = `apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$0"`;
  execFileSync('flock', ['-w', '900', '/tmp/keel-apt.lock', 'sh', '-c', apt, name], { stdio: 'ignore', env });
}

/** A TCP port free on 127.0.0.1 right now, for a server process to bind. */
export async function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
