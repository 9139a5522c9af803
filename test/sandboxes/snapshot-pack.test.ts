/** Packing a session directory into one byte string for a snapshot, and unpacking it without leaving the target. */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { packDirectory, unpackInto } from '../../src/sandboxes/local/snapshot-pack.js';

/** A pack made by hand: the magic, then each entry's header length, header and data. */
function handMadePack(entries: { header: object; data?: string }[]): Buffer {
  const parts = [Buffer.from('KEELPACK1\n', 'latin1')];
  for (const { header, data } of entries) {
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(json.length);
    parts.push(length, json, Buffer.from(data ?? ''));
  }
  return Buffer.concat(parts);
}

test('snapshot pack: files, directories, modes and links (kept as links) round-trip', async () => {
  const source = mkdtempSync(join(tmpdir(), 'keel-pack-source-'));
  mkdirSync(join(source, 'src/deep'), { recursive: true });
  writeFileSync(join(source, 'src/deep/main.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(join(source, 'empty.txt'), '');
  symlinkSync('/etc/passwd', join(source, 'outside-link'));
  const target = mkdtempSync(join(tmpdir(), 'keel-pack-target-'));
  await unpackInto(await packDirectory(source), target);
  assert.equal(readFileSync(join(target, 'src/deep/main.sh'), 'utf8'), '#!/bin/sh\necho hi\n');
  assert.equal(lstatSync(join(target, 'src/deep/main.sh')).mode & 0o777, 0o755);
  assert.equal(readFileSync(join(target, 'empty.txt'), 'utf8'), '');
  assert.equal(readlinkSync(join(target, 'outside-link')), '/etc/passwd');
});

test('snapshot pack: an entry that climbs out, or goes through a link the pack made, is refused', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'keel-pack-outside-'));
  const climbing = handMadePack([{ header: { path: '../escaped.txt', type: 'file', mode: 0o644, size: 1 }, data: 'x' }]);
  await assert.rejects(unpackInto(climbing, mkdtempSync(join(tmpdir(), 'keel-pack-target-'))), /unsafe path/);
  const throughLink = handMadePack([
    { header: { path: 'door', type: 'symlink', mode: 0o777, target: outside } },
    { header: { path: 'door/escaped.txt', type: 'file', mode: 0o644, size: 1 }, data: 'x' },
  ]);
  await assert.rejects(unpackInto(throughLink, mkdtempSync(join(tmpdir(), 'keel-pack-target-'))), /comes before its directory/);
  assert.equal(existsSync(join(outside, 'escaped.txt')), false);
});
