/**
 * Outbound network for a session that allows it reaches a host outside the worker, and not the worker itself. The
 * outside is a test host in a network namespace the test makes (no traffic leaves this machine): the worker side
 * runs in a second, fresh namespace whose only link leads there.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const script = fileURLToPath(new URL('./fixtures/outbound-network-run.ts', import.meta.url));

test('network: a command reaches a test host outside the worker through slirp4netns, but not its private-range address nor the worker\'s own', { skip: process.getuid?.() !== 0 ? 'needs root to make network namespaces' : false }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keel-outbound-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { stdout } = await promisify(execFile)('unshare', ['--net', '--', process.execPath, '--import', 'tsx', script, dataDir], { timeout: 90_000 });
  const found = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.equal(found.outboundNetworkProblem, undefined);
  // The worker itself reaches the private address: what keeps the command out is the filter.
  assert.equal(found.workerReachesPrivate, true);
  assert.equal(found.command.stdout, 'hello from the test host\nrefused-10.99.0.1\nrefused-44.0.0.2\n', found.command.stderr);
});
