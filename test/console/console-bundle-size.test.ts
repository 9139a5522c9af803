/**
 * The console's first load from the built files: the JavaScript the page loads before it draws (its entry script
 * and the modules it preloads), gzip-compressed as `keel serve` sends it, stays under 300 KB. Views loaded later
 * (the cost chart) are not part of it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ensureConsoleBuilt } from '../harness/console-build.js';

const FIRST_LOAD_LIMIT_BYTES = 300 * 1024;
let directory: string;

before(async () => {
  directory = await ensureConsoleBuilt();
});

test('console build: the first load is under 300 KB of gzip-compressed JavaScript, all of it from the server', () => {
  const html = readFileSync(join(directory, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g), ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((match) => match[1]!);
  assert.ok(scripts.length > 0, 'the page loads a script');
  assert.ok(scripts.every((src) => src.startsWith('/console/assets/')), `every script is one of the console's own files: ${scripts.join(', ')}`);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'the page loads nothing from another host');
  const gzipBytes = scripts.reduce((sum, src) => sum + gzipSync(readFileSync(join(directory, src.slice('/console/'.length))), { level: 9 }).length, 0);
  assert.ok(gzipBytes > 1000, 'the script was measured');
  assert.ok(gzipBytes < FIRST_LOAD_LIMIT_BYTES, `first load ${gzipBytes} bytes of gzip JavaScript, under ${FIRST_LOAD_LIMIT_BYTES}`);
});
