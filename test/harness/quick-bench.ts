/**
 * The quick bench in the test suite: every scenario of a quick run must still run end to end and report figures.
 * Performance is measured by the bench, never asserted here. The scenarios are split into groups, one test file
 * each, so that each stays well inside a file's time limit on a loaded 2-core machine and the groups run beside
 * other files as the suite's concurrency allows; each run has its own output and work directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scenarios } from '../../bench/scenarios/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The scenarios of a quick run, by test file (test/bench/bench-quick-<group>.test.ts). */
export const quickBenchGroups = {
  steps: ['turn-overhead', 'langgraph-peer', 'replay', 'history-growth'],
  live: ['cli-startup', 'live-events'],
  fleet: ['start-and-scale', 'recovery', 'concurrency', 'tunings'],
} as const;

/** The scenarios a quick run makes (one that needs more than the suite sets up runs only when named). */
const quickScenarios = scenarios.filter((scenario) => scenario.inQuickRuns !== false);

/** Every number found anywhere in a JSON value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

function runQuickBench(names: readonly string[], outDirectory: string, workDirectory: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', names.join(','), '--out', outDirectory, '--work', workDirectory], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** The tests of one group: its scenarios run in one quick bench run, and the groups together cover every scenario. */
export function describeQuickBench(group: keyof typeof quickBenchGroups): void {
  const names = quickBenchGroups[group];
  describe(`bench --quick: ${names.join(', ')}`, () => {
    test('the groups of the quick bench tests hold every scenario of a quick run, each once', () => {
      const grouped = Object.values(quickBenchGroups).flat();
      assert.deepEqual([...grouped].sort(), quickScenarios.map((scenario) => scenario.name).sort());
    });

    test(`runs ${names.join(', ')} and writes results.json and RESULTS.md with figures for each`, async () => {
      const outDirectory = mkdtempSync(join(tmpdir(), 'keel-bench-quick-'));
      const workDirectory = mkdtempSync(join(tmpdir(), 'keel-bench-work-'));
      try {
        const { code, output } = await runQuickBench(names, outDirectory, workDirectory);
        assert.equal(code, 0, `npm run bench -- --quick --only ${names.join(',')} failed:\n${output}`);

        const results = JSON.parse(readFileSync(join(outDirectory, 'results.json'), 'utf8')) as {
          mode: string;
          machine: { cores: number; nodeVersion: string; temporalCliVersion: string };
          targets: Array<{ target: string; measured: string }>;
          sections: Record<string, Record<string, unknown>>;
        };
        assert.equal(results.mode, 'quick');
        assert.ok(results.machine.cores > 0);
        assert.equal(results.machine.nodeVersion, process.version);
        assert.match(results.machine.temporalCliVersion, /^temporal version /);
        assert.deepEqual(Object.keys(results.sections).sort(), [...names].sort());
        for (const [name, section] of Object.entries(results.sections)) {
          assert.equal(section['error'], undefined, `${name} failed: ${String(section['error'])}`);
          const { seconds: _seconds, ...figures } = section;
          const numbers = numbersIn(figures);
          assert.ok(numbers.length > 0, `${name} reported no figures`);
          assert.ok(numbers.every(Number.isFinite), `${name} reported a figure that is not a finite number`);
        }
        assert.ok(results.targets.length > 0);

        const markdown = readFileSync(join(outDirectory, 'RESULTS.md'), 'utf8');
        for (const scenario of quickScenarios.filter((candidate) => (names as readonly string[]).includes(candidate.name))) {
          assert.ok(markdown.includes(`## ${scenario.title}`), `RESULTS.md lacks "${scenario.title}"`);
        }
        assert.match(markdown, /\| cores \| \d+/);
      } finally {
        rmSync(outDirectory, { recursive: true, force: true });
        rmSync(workDirectory, { recursive: true, force: true });
      }
    });
  });
}
