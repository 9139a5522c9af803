/**
 * `npm run bench [-- --quick] [-- --only name,name] [-- --baseline <git ref>] [-- --work <dir>]`: measures what durability costs, side by side with the
 * alternatives, in one process run. Writes `bench/results.json` and `bench/RESULTS.md` (quick runs write to
 * `bench/out/` unless `--out` says otherwise, so a smoke run never overwrites the committed results). A full run of
 * some scenarios (`--only`) keeps the other sections of the results it writes over, marked with their own run.
 */
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/dev/project-root.js';
import { BenchContext, buildBundles } from './lib/bench-context.js';
import { withCarriedOver } from './lib/carry-over.js';
import { benchServerDynamicConfig, startBenchServer } from './lib/bench-server.js';
import { machineFacts } from './lib/machine-facts.js';
import { writeReport, type ScenarioOutcome } from './lib/report.js';
import type { Scenario } from './lib/scenario.js';
import { scenarios } from './scenarios/index.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    // Where bundles, databases and packed packages go; runs at once (the test suite's quick runs) need one each.
    work: { type: 'string' },
    'heartbeat-timeout-seconds': { type: 'string' },
    baseline: { type: 'string' },
  },
});

const root = projectRoot();
const quick = values.quick ?? false;
const outDirectory = values.out ?? (quick ? join(root, 'bench', 'out') : join(root, 'bench'));
const workDirectory = values.work ?? join(root, '.keel', 'bench');
const selected = values.only ? new Set(values.only.split(',').map((name) => name.trim())) : undefined;
const heartbeatTimeoutSeconds = Number(values['heartbeat-timeout-seconds'] ?? (quick ? 2 : 5));

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** An error with its chain of causes (Temporal's failures wrap the one that matters). */
function describeError(error: unknown): string {
  const lines: string[] = [];
  for (let current: unknown = error; current !== undefined && lines.length < 6; current = current instanceof Error ? current.cause : undefined) {
    const type = (current as { type?: unknown }).type;
    lines.push(current instanceof Error ? `${current.name}${typeof type === "string" ? ` (${type})` : ""}: ${current.message}` : String(current));
  }
  return `${lines.join('\n  caused by ')}${error instanceof Error && error.stack ? `\n${error.stack.split('\n').slice(1).join('\n')}` : ''}`;
}

async function main(): Promise<void> {
  if (selected) {
    const unknown = [...selected].filter((name) => !scenarios.some((scenario) => scenario.name === name));
    if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  }
  mkdirSync(outDirectory, { recursive: true });
  mkdirSync(workDirectory, { recursive: true });
  // The bench handles SIGINT/SIGTERM itself: worker processes and dev servers are stopped, not left behind.
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const startedAt = performance.now();
  log(`${quick ? 'quick' : 'full'} run; results go to ${outDirectory}`);
  const bundles = await buildBundles(workDirectory, { projectRoot: root, ...(values.baseline ? { baselineRef: values.baseline } : {}) });
  if (bundles.baseline) log(`baseline: the workflow code of ${bundles.baseline.ref} (${bundles.baseline.commit.slice(0, 12)}) runs beside today's in turn-overhead`);
  // In-memory SQLite, as `temporal server start-dev` and the test suite run it; the tuning scenario measures a
  // SQLite file (fsync on every commit) beside it.
  const server = await startBenchServer({ dynamicConfig: benchServerDynamicConfig });
  const facts = await machineFacts(server.cliVersion);
  const context = new BenchContext(server, bundles, workDirectory, heartbeatTimeoutSeconds, log);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping workers and servers`);
      void context
        .cleanUp()
        .then(() => server.close())
        .finally(() => process.exit(130));
    });
  }
  const outcomes: ScenarioOutcome[] = [];
  try {
    for (const scenario of scenarios as Scenario[]) {
      if (selected && !selected.has(scenario.name)) continue;
      if (quick && !selected && scenario.inQuickRuns === false) continue;
      log(`-- ${scenario.title}`);
      const scenarioStartedAt = performance.now();
      try {
        const result = await scenario.run(context, { quick });
        outcomes.push({ scenario, result, seconds: (performance.now() - scenarioStartedAt) / 1000 });
      } catch (error) {
        log(`${scenario.name} failed: ${describeError(error)}`);
        outcomes.push({ scenario, error: error instanceof Error ? error.message : String(error), seconds: (performance.now() - scenarioStartedAt) / 1000 });
      } finally {
        await context.cleanUp();
      }
    }
  } finally {
    await server.close();
  }
  // A full run of some scenarios into a folder of full results keeps the others' sections (bench/lib/carry-over.ts).
  const reported = selected && !quick ? withCarriedOver(outDirectory, scenarios as Scenario[], outcomes) : outcomes;
  const written = writeReport({ outDirectory, quick, facts, outcomes: reported, heartbeatTimeoutSeconds, totalSeconds: (performance.now() - startedAt) / 1000 });
  log(`wrote ${written.json} and ${written.markdown}`);
  if (outcomes.some((outcome) => 'error' in outcome)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
