/**
 * 9. The `keel` command's start-up, as a user runs it: `keel --version` (answered by the plain-JavaScript bin
 * alone) and `keel list` against the bench's local server (the compiled CLI: connect, one visibility query), each
 * timed from process start to exit over five runs. The full run packs this checkout and installs the tarball, as
 * a user would; the quick run times the source checkout's bin, whose `list` goes through tsx.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/dev/project-root.js';
import { installPackedKeel, packKeel } from '../../test/harness/packed-keel.js';
import { defineScenario, ms } from '../lib/scenario.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface CliStartupResult {
  /** What was timed: the installed package, or the source checkout's bin. */
  from: 'packed package' | 'source checkout';
  runs: number;
  versionMs: Summary;
  listMs: Summary;
}

const RUNS = 5;

/** Wall time of one `node <bin> args` from spawn to exit, ms. @throws when the command fails. */
function timeCommand(bin: string, args: string[], env: NodeJS.ProcessEnv): number {
  const startedAt = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  const elapsed = performance.now() - startedAt;
  if (result.status !== 0) throw new Error(`keel ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

export const cliStartupScenario = defineScenario<CliStartupResult>({
  name: 'cli-startup',
  title: 'The keel command: start-up of --version and list',
  async run(context, mode) {
    let bin = join(projectRoot(), 'bin', 'keel.js');
    if (!mode.quick) {
      context.log('packing and installing the package (its prepack builds dist/)');
      bin = join(installPackedKeel(packKeel(context.workDirectory)), 'node_modules', 'keel', 'bin', 'keel.js');
    }
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: context.server.address, NO_COLOR: '1' };
    // One run of each first, not counted: the file system cache then holds the modules, as for a user's second call.
    timeCommand(bin, ['--version'], env);
    timeCommand(bin, ['list', '--limit', '5'], env);
    const version: number[] = [];
    const list: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      version.push(timeCommand(bin, ['--version'], env));
      list.push(timeCommand(bin, ['list', '--limit', '5'], env));
    }
    return { from: mode.quick ? 'source checkout' : 'packed package', runs: RUNS, versionMs: summarize(version), listMs: summarize(list) };
  },
  describe(result) {
    return [
      `Timed from the ${result.from}, ${result.runs} runs each after one warm-up, process start to exit.`,
      '',
      '| command | median | min | max |',
      '| --- | --- | --- | --- |',
      `| \`keel --version\` | ${ms(result.versionMs.median)} | ${ms(result.versionMs.min)} | ${ms(result.versionMs.max)} |`,
      `| \`keel list\` (local server) | ${ms(result.listMs.median)} | ${ms(result.listMs.min)} | ${ms(result.listMs.max)} |`,
    ].join('\n');
  },
});
