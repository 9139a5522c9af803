import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfinedDirectory } from '../../src/sandboxes/local/confined-directory.js';

const refused = (pattern: RegExp) => (error: unknown) => {
  assert.equal((error as Error).name, 'ToolError', String(error));
  assert.match((error as Error).message, pattern);
  return true;
};

describe('ConfinedDirectory', () => {
  let base: string;
  let root: string;
  let outside: string;
  let directory: ConfinedDirectory;

  before(() => {
    base = mkdtempSync(join(tmpdir(), 'keel-confined-'));
    root = join(base, 'session');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'src'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    writeFileSync(join(root, 'src', 'main.txt'), 'main');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'leak'));
    symlinkSync(outside, join(root, 'outside-dir'));
    symlinkSync('/', join(root, 'host-root'));
    symlinkSync('src/main.txt', join(root, 'inside-link'));
    symlinkSync(join(outside, 'not-yet'), join(root, 'dangling'));
    directory = new ConfinedDirectory(root);
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  test('relativePath: normalizes paths inside the directory', () => {
    assert.equal(directory.relativePath('src/./main.txt'), 'src/main.txt');
    assert.equal(directory.relativePath('src/../src/main.txt'), 'src/main.txt');
    assert.equal(directory.relativePath('.'), '');
    assert.equal(directory.relativePath('src/'), 'src');
    assert.equal(directory.relativePath('/workspace/src/main.txt'), 'src/main.txt');
    assert.equal(directory.relativePath('/workspace'), '');
  });

  test('relativePath: refuses .. out of the directory, absolute paths elsewhere and NUL bytes', () => {
    assert.throws(() => directory.relativePath('../../etc/passwd'), refused(/leaves the session directory/));
    assert.throws(() => directory.relativePath('src/../../x'), refused(/leaves the session directory/));
    assert.throws(() => directory.relativePath('..'), refused(/leaves the session directory/));
    assert.throws(() => directory.relativePath('/etc/passwd'), refused(/outside the session directory/));
    assert.throws(() => directory.relativePath('/workspace/../etc/passwd'), refused(/outside the session directory/));
    assert.throws(() => directory.relativePath('/workspacex/a'), refused(/outside the session directory/));
    assert.throws(() => directory.relativePath('a\0b'), refused(/NUL/));
  });

  test('readFile: reads files inside, also through a symbolic link that stays inside', async () => {
    assert.equal((await directory.readFile('src/main.txt')).toString(), 'main');
    assert.equal((await directory.readFile('/workspace/src/main.txt')).toString(), 'main');
    assert.equal((await directory.readFile('inside-link')).toString(), 'main');
  });

  test('readFile: refuses symbolic links out of the directory, to a file or through a directory', async () => {
    await assert.rejects(directory.readFile('leak'), refused(/symbolic link/));
    await assert.rejects(directory.readFile('outside-dir/secret.txt'), refused(/symbolic link/));
    await assert.rejects(directory.readFile('host-root/etc/passwd'), refused(/symbolic link/));
    await assert.rejects(directory.readFile('../outside/secret.txt'), refused(/leaves the session directory/));
  });

  test('readFile: a missing file or a directory is a tool error naming it', async () => {
    await assert.rejects(directory.readFile('nope.txt'), refused(/no such file: nope.txt/));
    await assert.rejects(directory.readFile('src'), refused(/is a directory/));
    await assert.rejects(directory.readFile('dangling'), refused(/no such file/));
  });

  test('writeFile: writes inside, creating parent directories, and returns the bytes written', async () => {
    assert.equal(await directory.writeFile('new/deep/file.txt', Buffer.from('héllo')), 6);
    assert.equal(readFileSync(join(root, 'new', 'deep', 'file.txt'), 'utf8'), 'héllo');
    assert.equal(await directory.writeFile('inside-link', Buffer.from('through link')), 12);
    assert.equal(readFileSync(join(root, 'src', 'main.txt'), 'utf8'), 'through link');
  });

  test('writeFile: refuses to write through a link out of the directory, dangling ones included', async () => {
    await assert.rejects(directory.writeFile('leak', Buffer.from('x')), refused(/symbolic link/));
    await assert.rejects(directory.writeFile('outside-dir/new.txt', Buffer.from('x')), refused(/symbolic link/));
    await assert.rejects(directory.writeFile('dangling', Buffer.from('x')), refused(/symbolic link/));
    await assert.rejects(directory.writeFile('dangling/inner.txt', Buffer.from('x')), refused(/symbolic link/));
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'secret');
    assert.ok(!existsSync(join(outside, 'new.txt')));
    assert.ok(!existsSync(join(outside, 'not-yet')));
    await assert.rejects(directory.writeFile('/tmp/escape.txt', Buffer.from('x')), refused(/outside the session directory/));
  });

  test('list: lists recursively, sorted, with links listed and not followed', async () => {
    const entries = await directory.list();
    const names = entries.map((entry) => `${entry.name}:${entry.type}`);
    assert.ok(names.includes('src:directory'));
    assert.ok(names.includes('src/main.txt:file'));
    assert.ok(names.includes('outside-dir:other'));
    assert.ok(!names.some((name) => name.startsWith('outside-dir/')), names.join(' '));
    assert.ok(!names.some((name) => name.startsWith('host-root/')));
    assert.deepEqual(await directory.list('src'), [{ name: 'main.txt', type: 'file', size: 12 }]);
    await assert.rejects(directory.list('outside-dir'), refused(/symbolic link/));
    await assert.rejects(directory.list('src/main.txt'), refused(/not a directory/));
  });

  /** Resolves with `label` or rejects once `ms` pass: a hang becomes a failure the test can report. */
  const within = <T>(promise: Promise<T>, ms: number, label: string): Promise<T> =>
    Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms).unref())]);

  test('readFile, writeFile: five calls on FIFOs at once are refused and leave the thread pool free for file and DNS work', async (t) => {
    const fifos = ['a', 'b', 'c', 'd', 'e'].map((name) => join(root, `pipe-${name}`));
    for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
    t.after(() => {
      // Were an open blocked, a writer that comes and goes releases it, so the test process can end.
      for (const fifo of fifos) {
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // No reader waiting: nothing to release.
        }
        rmSync(fifo, { force: true });
      }
    });
    const calls = [
      ...fifos.map((fifo) => directory.readFile(fifo.slice(root.length + 1))),
      directory.writeFile('pipe-a', Buffer.from('x')),
      directory.writeFile('pipe-b', Buffer.from('x')),
    ];
    const settled = calls.map((call) => call.then(() => assert.fail('a FIFO was read or written'), (error: unknown) => error));
    // Libuv's pool has four threads: had the calls blocked, these would wait for ever.
    assert.ok((await within(readFile(join(root, 'src', 'main.txt')), 2_000, 'file read after FIFO calls')).length > 0);
    assert.ok((await within(lookup('localhost'), 2_000, 'DNS lookup after FIFO calls')).address);
    for (const error of await within(Promise.all(settled), 2_000, 'FIFO calls')) refused(/is a FIFO \(named pipe\), not a regular file/)(error);
  });

  test('readFile, writeFile: a socket is refused as a socket', async (t) => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(root, 'socket'), resolve));
    t.after(() => new Promise((resolve) => server.close(resolve)));
    await assert.rejects(directory.readFile('socket'), refused(/is a socket/));
    await assert.rejects(directory.writeFile('socket', Buffer.from('x')), refused(/is a socket/));
  });

  test('writeFile: replaces the file by rename, not in place: a reader of the old file keeps it whole, the mode stays, no temporary file is left', async () => {
    writeFileSync(join(root, 'script.sh'), 'echo old\n');
    chmodSync(join(root, 'script.sh'), 0o750);
    const reader = openSync(join(root, 'script.sh'), 'r');
    try {
      await directory.writeFile('script.sh', Buffer.from('echo new\n'));
      // Truncating and rewriting in place would show the new bytes (or none) through the old descriptor.
      const seen = Buffer.alloc(64);
      assert.equal(seen.subarray(0, readSync(reader, seen, 0, 64, 0)).toString(), 'echo old\n');
    } finally {
      closeSync(reader);
    }
    assert.equal(readFileSync(join(root, 'script.sh'), 'utf8'), 'echo new\n');
    assert.equal(statSync(join(root, 'script.sh')).mode & 0o777, 0o750);
    assert.deepEqual(readdirSync(root).filter((name) => name.startsWith('.keel-write-')), []);
  });

  test('writeFile: files and directories it creates belong to the owner it is given', { skip: process.getuid?.() !== 0 ? 'needs root to give files away' : false }, async () => {
    const owned = new ConfinedDirectory(root, { owner: { uid: 4242, gid: 4343 } });
    await owned.writeFile('owned/inner/file.txt', Buffer.from('mine'));
    for (const path of ['owned', 'owned/inner', 'owned/inner/file.txt']) {
      const stats = statSync(join(root, path));
      assert.deepEqual([stats.uid, stats.gid], [4242, 4343], path);
    }
  });
});
