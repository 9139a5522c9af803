import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
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
});
