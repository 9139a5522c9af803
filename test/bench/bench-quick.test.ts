import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scenarios } from '../../bench/scenarios/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every number found anywhere in a JSON value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

function runQuickBench(outDirectory: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', outDirectory], {
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

/** The scenarios a quick run makes (one that needs more than the suite sets up runs only when named). */
const quickScenarios = scenarios.filter((scenario) => scenario.inQuickRuns !== false);

// Performance is measured by the bench, never asserted here: this only proves that every scenario still runs end
// to end and reports figures.
describe('bench', () => {
  test('bench --quick: runs every scenario and writes results.json and RESULTS.md with figures for each', { timeout: 600_000 }, async () => {
    const outDirectory = mkdtempSync(join(tmpdir(), 'keel-bench-quick-'));
    try {
      const { code, output } = await runQuickBench(outDirectory);
      assert.equal(code, 0, `npm run bench -- --quick failed:\n${output}`);

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
      assert.deepEqual(Object.keys(results.sections).sort(), quickScenarios.map((scenario) => scenario.name).sort());
      for (const [name, section] of Object.entries(results.sections)) {
        assert.equal(section['error'], undefined, `${name} failed: ${String(section['error'])}`);
        const { seconds: _seconds, ...figures } = section;
        const numbers = numbersIn(figures);
        assert.ok(numbers.length > 0, `${name} reported no figures`);
        assert.ok(numbers.every(Number.isFinite), `${name} reported a figure that is not a finite number`);
      }
      assert.ok(results.targets.length >= 10);

      const markdown = readFileSync(join(outDirectory, 'RESULTS.md'), 'utf8');
      for (const scenario of quickScenarios) assert.ok(markdown.includes(`## ${scenario.title}`), `RESULTS.md lacks "${scenario.title}"`);
      assert.match(markdown, /\| cores \| \d+/);
    } finally {
      rmSync(outDirectory, { recursive: true, force: true });
    }
  });
});
