#!/usr/bin/env node
// Lints, then runs every test file under test/ with node's test runner, each file in its own process (Temporal's native
// core wants that), several files at once. Node 20's `--test` takes no globs, so the files are listed here.
// Extra arguments are passed on: `npm test -- test/workflows/chat-session.test.ts` runs one file.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

function listTestFiles(directory) {
  const found = [];
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (entry === 'fixtures' || entry === 'live' || entry === 'node_modules') continue;
    if (statSync(path).isDirectory()) found.push(...listTestFiles(path));
    else if (entry.endsWith('.test.ts')) found.push(relative(process.cwd(), path));
  }
  return found.sort();
}

const requested = process.argv.slice(2);
const files = requested.length > 0 ? requested : listTestFiles('test');

// The whole suite starts with the linter (which also holds the workflow bundle's import boundary): a boundary
// broken in one file would otherwise show only as a replay failure somewhere else.
if (requested.length === 0) {
  process.stderr.write('[keel test] eslint .\n');
  const lint = spawnSync(process.execPath, ['node_modules/eslint/bin/eslint.js', '.'], { stdio: 'inherit' });
  if (lint.status !== 0) process.exit(lint.status ?? 1);
}
// Each file starts its own dev server and worker; on a 2-core machine three at a time keeps both cores busy
// while one file waits on timers.
const concurrency = Number(process.env.KEEL_TEST_CONCURRENCY ?? Math.max(2, availableParallelism() + 1));
// A whole file's limit; the production-topology suite, whose fault test alone runs for minutes, raises it.
const fileTimeoutMs = Number(process.env.KEEL_TEST_FILE_TIMEOUT_MS ?? 600_000);
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${fileTimeoutMs}`,
    // TAP as before, then the failed tests named once more at the very end, where a log cut to its tail still shows them.
    '--test-reporter=tap',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/test-failure-summary.mjs',
    '--test-reporter-destination=stdout',
    ...files,
  ],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
