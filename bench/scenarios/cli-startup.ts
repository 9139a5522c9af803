/**
 * 9. The `keel` command's start-up, as a user runs it: `keel --version` (answered by the plain-JavaScript bin
 * alone) and `keel list` against the bench's live dev server holding sessions (the compiled CLI: connect,
 * one visibility query, a table of the sessions), each timed from process start to exit. The full run packs this
 * checkout and installs the tarball, as a user would; the quick run times the source checkout's bin, whose `list`
 * goes through tsx.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/dev/project-root.js';
import { installPackedKeel, packKeel } from '../../test/harness/packed-keel.js';
import { runKeelConversation } from '../lib/keel-conversation.js';
import { defineScenario, ms } from '../lib/scenario.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface CliStartupResult {
  /** What was timed: the installed package, or the source checkout's bin. */
  from: 'packed package' | 'source checkout';
  runs: number;
  /** Sessions on the server when `keel list` was timed (at least those this scenario ran). */
  sessionsListed: number;
  versionMs: Summary;
  listMs: Summary;
  /** CPU time (user + system) of each `keel list` process, ms: what wall time would be on an idle machine, roughly. */
  listCpuMs: Summary;
  /** Load average over 1 minute when the timing began: wall times on a shared machine move with it. */
  loadAverage: number;
}

const SESSIONS = 20;

/**
 * CPU time of this process's waited-for children so far, ms (`cutime` + `cstime` of /proc/self/stat, in clock ticks
 * of 10 ms): read before and after a `spawnSync`, the difference is that child's CPU time.
 */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Wall time, CPU time and output of one `node <bin> args` from spawn to exit, ms. @throws when the command fails. */
function timeCommand(bin: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; cpuMs: number; stdout: string } {
  const cpuBefore = childrenCpuMs();
  const startedAt = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  const elapsed = performance.now() - startedAt;
  if (result.status !== 0) throw new Error(`keel ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms: elapsed, cpuMs: childrenCpuMs() - cpuBefore, stdout: result.stdout };
}

export const cliStartupScenario = defineScenario<CliStartupResult>({
  name: 'cli-startup',
  title: 'The keel command: start-up of --version and list',
  async run(context, mode) {
    const runs = mode.quick ? 5 : 20;
    let bin = join(projectRoot(), 'bin', 'keel.js');
    if (!mode.quick) {
      context.log('packing and installing the package (its prepack builds dist/)');
      bin = join(installPackedKeel(packKeel(context.workDirectory)), 'node_modules', 'keel', 'bin', 'keel.js');
    }
    // Sessions for `keel list` to find and print, whatever other scenarios ran before on this server.
    const model = await context.startModel({ latencyMs: 0 });
    const { sessions } = await context.startWorker({ modelUrl: model.url });
    await Promise.all(Array.from({ length: mode.quick ? 5 : SESSIONS }, (_, index) => runKeelConversation({ sessions, system: `bench cli-startup ${index}`, userMessages: ['Hello.'] })));
    await context.cleanUp();

    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: context.server.address, NO_COLOR: '1' };
    const listArgs = ['list', '--limit', '50', '--json'];
    // One run of each first, not counted: the file system cache then holds the modules, as for a user's second call.
    timeCommand(bin, ['--version'], env);
    const listed = (JSON.parse(timeCommand(bin, listArgs, env).stdout) as unknown[]).length;
    if (listed < (mode.quick ? 5 : SESSIONS)) throw new Error(`keel list printed ${listed} sessions, fewer than the scenario ran`);
    const loadAverage = loadavg()[0]!;
    const version: number[] = [];
    const list: number[] = [];
    const listCpu: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      version.push(timeCommand(bin, ['--version'], env).ms);
      const listRun = timeCommand(bin, listArgs, env);
      list.push(listRun.ms);
      listCpu.push(listRun.cpuMs);
    }
    return {
      from: mode.quick ? 'source checkout' : 'packed package',
      runs,
      sessionsListed: listed,
      versionMs: summarize(version),
      listMs: summarize(list),
      listCpuMs: summarize(listCpu),
      loadAverage,
    };
  },
  describe(result) {
    return [
      `Timed from the ${result.from}, ${result.runs} runs each after one warm-up, process start to exit; \`keel list --limit 50 --json\` against the bench's dev server, listing ${result.sessionsListed} sessions. Load average ${result.loadAverage.toFixed(1)} when the timing began: wall time moves with it, CPU time far less.`,
      '',
      '| command | median | p95 | min | max |',
      '| --- | --- | --- | --- | --- |',
      `| \`keel --version\` | ${ms(result.versionMs.median)} | ${ms(result.versionMs.p95)} | ${ms(result.versionMs.min)} | ${ms(result.versionMs.max)} |`,
      `| \`keel list\` (local server, ${result.sessionsListed} sessions) | ${ms(result.listMs.median)} | ${ms(result.listMs.p95)} | ${ms(result.listMs.min)} | ${ms(result.listMs.max)} |`,
      `| \`keel list\`: CPU time of the process (user + system) | ${ms(result.listCpuMs.median)} | ${ms(result.listCpuMs.p95)} | ${ms(result.listCpuMs.min)} | ${ms(result.listCpuMs.max)} |`,
    ].join('\n');
  },
});
