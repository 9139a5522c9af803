#!/usr/bin/env node
// Brings a fresh clone to a runnable state: npm dependencies, the Temporal CLI (dev server) and, where the
// host allows it, bubblewrap for the local sandbox. Runs before `npm test` and `npm run demo`, so that a
// newcomer needs no step by hand. Plain Node with no dependencies: it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function say(message) {
  process.stderr.write(`[keel setup] ${message}\n`);
}

function dependenciesAreCurrent() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return false;
  return statSync(marker).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs;
}

if (!dependenciesAreCurrent()) {
  say('installing npm dependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

// The Temporal CLI: found on PATH / TEMPORAL_CLI, or installed into .keel/tools by the project itself.
execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src/dev/temporal-cli-main.ts'), 'ensure'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});

// The local sandbox: bubblewrap isolates commands; slirp4netns and nftables give sessions that allow network an
// outbound-only link (src/sandboxes/local/outbound-network.ts). Installing them needs root and apt; elsewhere the
// worker says at start what is unavailable, so what is missing is reported here but is not fatal.
const sandboxPackages = [
  { program: 'bwrap', name: 'bubblewrap', use: 'the local sandbox will be unavailable' },
  { program: 'slirp4netns', name: 'slirp4netns', use: 'sessions with sandbox.network will get no network' },
  { program: 'nft', name: 'nftables', use: 'sessions with sandbox.network will get no network' },
];
const onPath = (program) => spawnSync('sh', ['-c', `command -v ${program} || test -x /usr/sbin/${program}`], { stdio: 'ignore' }).status === 0;
const missing = sandboxPackages.filter(({ program }) => !onPath(program));
if (missing.length > 0) {
  const names = missing.map(({ name }) => name);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (isRoot && hasApt) {
    say(`installing ${names.join(', ')} (apt-get install)`);
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', ...names], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (update.status !== 0 || install.status !== 0) for (const { name, use } of missing) say(`could not install ${name}; ${use}`);
  } else {
    for (const { name, use } of missing) say(`${name} is not installed and cannot be installed here; ${use}`);
  }
}
