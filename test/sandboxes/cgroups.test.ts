/**
 * Cgroup detection on fake /proc and cgroup trees (v1, v2, none), so every host layout is covered whatever this
 * machine has. The real hierarchy is exercised by local-sandbox-provider.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { detectCgroups } from '../../src/sandboxes/local/cgroup-detection.js';

describe('detectCgroups', () => {
  const base = mkdtempSync(join(tmpdir(), 'keel-cgroups-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  /** A fake host: /proc/self/{mounts,cgroup} and the cgroup directories named. */
  function fakeHost(name: string, mounts: string[], ownCgroups: string[], directories: string[] = []): string {
    const root = join(base, name);
    mkdirSync(join(root, 'proc', 'self'), { recursive: true });
    writeFileSync(join(root, 'proc', 'self', 'mounts'), `${mounts.map((line) => line.replaceAll('ROOT', root)).join('\n')}\n`);
    writeFileSync(join(root, 'proc', 'self', 'cgroup'), `${ownCgroups.join('\n')}\n`);
    for (const directory of directories) mkdirSync(join(root, directory), { recursive: true });
    return root;
  }

  test('detectCgroups: v1 with memory and pids puts Keel under the worker\'s own cgroup of each hierarchy', async () => {
    const root = fakeHost(
      'v1',
      ['cgroup ROOT/sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0', 'cgroup ROOT/sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0', 'cgroup2 ROOT/sys/fs/cgroup/unified cgroup2 rw 0 0'],
      ['8:pids:/', '4:memory:/workers/w1', '0::/'],
      ['sys/fs/cgroup/memory/workers/w1', 'sys/fs/cgroup/pids'],
    );
    const support = await detectCgroups({ procRoot: join(root, 'proc') });
    assert.deepEqual(support, {
      version: 1,
      problems: [],
      memoryParent: join(root, 'sys/fs/cgroup/memory/workers/w1/keel'),
      pidsParent: join(root, 'sys/fs/cgroup/pids/keel'),
    });
  });

  test('detectCgroups: in a cgroup namespace (own path not under the mount) the mount root is used; a missing controller is reported', async () => {
    const root = fakeHost('v1-namespace', ['cgroup ROOT/cg/memory cgroup rw,memory 0 0'], ['4:memory:/elsewhere/entirely'], ['cg/memory']);
    const support = await detectCgroups({ procRoot: join(root, 'proc') });
    assert.equal(support.version, 1);
    assert.equal(support.memoryParent, join(root, 'cg/memory/keel'));
    assert.equal(support.pidsParent, undefined);
    assert.deepEqual(support.problems, ['cgroup v1 has no pids controller mounted']);
  });

  test('detectCgroups: v2 hands memory and pids down to a keel group under the worker\'s cgroup', async () => {
    const root = fakeHost('v2', ['cgroup2 ROOT/sys/fs/cgroup cgroup2 rw,nsdelegate 0 0'], ['0::/service.slice/keel-worker'], ['sys/fs/cgroup/service.slice/keel-worker']);
    const own = join(root, 'sys/fs/cgroup/service.slice/keel-worker');
    writeFileSync(join(own, 'cgroup.controllers'), 'cpu io memory pids\n');
    const support = await detectCgroups({ procRoot: join(root, 'proc') });
    assert.deepEqual(support, { version: 2, problems: [], memoryParent: join(own, 'keel'), pidsParent: join(own, 'keel') });
    assert.equal(readFileSync(join(own, 'cgroup.subtree_control'), 'utf8'), '+memory +pids');
    assert.equal(readFileSync(join(own, 'keel', 'cgroup.subtree_control'), 'utf8'), '+memory +pids');
  });

  test('detectCgroups: v2 uses a delegated cgroup when one is given, and names a controller it lacks', async () => {
    const root = fakeHost('v2-delegated', ['cgroup2 ROOT/sys/fs/cgroup cgroup2 rw 0 0'], ['0::/user.slice'], ['sys/fs/cgroup/user.slice', 'delegated']);
    writeFileSync(join(root, 'delegated', 'cgroup.controllers'), 'memory\n');
    const support = await detectCgroups({ procRoot: join(root, 'proc'), delegatedCgroup: join(root, 'delegated') });
    assert.equal(support.version, 2);
    assert.equal(support.memoryParent, join(root, 'delegated', 'keel'));
    assert.equal(support.pidsParent, undefined);
    assert.match(support.problems.join(), /does not offer the pids controller/);
  });

  test('detectCgroups: no cgroup hierarchy means no cgroup limits, said plainly', async () => {
    const root = fakeHost('none', ['proc /proc proc rw 0 0'], []);
    assert.deepEqual(await detectCgroups({ procRoot: join(root, 'proc') }), { version: undefined, problems: ['no cgroup hierarchy is mounted'] });
  });
});
