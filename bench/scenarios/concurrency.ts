/**
 * 2. Concurrency: N `chat` sessions at once, each a conversation of 10 turns, 100 ms model latency, one worker
 * process. Turns per second, overhead per turn, the worker's peak RSS and its RSS per cached session (resident
 * memory after the run minus before it, garbage collected both times, over the sessions the worker keeps cached).
 */
import { availableParallelism } from 'node:os';
import type { BenchWorker, WorkerMemory, WorkerTuning } from '../lib/bench-worker.js';
import type { BenchContext } from '../lib/bench-context.js';
import { runKeelConversation } from '../lib/keel-conversation.js';
import { conversationMessages, defineScenario, ms } from '../lib/scenario.js';
import { CpuMeter } from '../lib/process-cpu.js';
import { round, summarize, type Summary } from '../lib/stats.js';

export interface ConcurrencyLevelResult {
  sessions: number;
  turnsPerSession: number;
  modelLatencyMs: number;
  tuning: WorkerTuning | 'product defaults';
  /** Whether the worker's workflows share one set of schemas (today's bundle) or each builds its own (the code before). */
  schemas: 'shared' | 'per workflow';
  wallSeconds: number;
  turnsPerSecond: number;
  overheadPerTurnMs: Summary;
  failedSessions: number;
  /** Calls the client sent again because the RPC deadline passed before the reply (same message id). */
  resends: number;
  /** CPU each process spent per turn, ms: the dev server, the worker, and the client process (which also runs the model server). */
  cpuMsPerTurn: Record<string, number>;
  worker: {
    startMs: number;
    idleRssBytes: number;
    peakRssBytes: number;
    rssAfterBytes: number;
    cachedSessions: number;
    rssPerCachedSessionBytes: number | undefined;
  };
}

export interface ConcurrencyResult {
  levels: ConcurrencyLevelResult[];
}

/** Runs one level of concurrency on a fresh worker process; shared with the tuning scenario. */
export async function runConcurrencyLevel(
  context: BenchContext,
  options: { sessions: number; turns: number; latencyMs: number; tuning?: WorkerTuning; schemasPerWorkflow?: boolean },
): Promise<ConcurrencyLevelResult> {
  const model = await context.startModel({ latencyMs: options.latencyMs });
  const { worker, sessions } = await context.startWorker({
    modelUrl: model.url,
    kind: options.schemasPerWorkflow ? 'keel-unshared' : 'keel',
    ...(options.tuning ? { tuning: options.tuning } : {}),
  });
  const messages = conversationMessages(options.turns);
  await runKeelConversation({ sessions, system: 'bench warm-up', userMessages: messages.slice(0, 2) });
  const idle = await worker.memory({ collectGarbage: true });
  const sampler = sampleRss(worker);
  const overhead: number[] = [];
  let failed = 0;
  let resends = 0;
  const cpu = new CpuMeter({ server: context.server.pid, worker: worker.child.pid, client: process.pid });
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: options.sessions }, async (_, index) => {
      try {
        const conversation = await runKeelConversation({ sessions, system: `bench concurrency ${options.sessions} ${index}`, userMessages: messages });
        overhead.push(...conversation.turnMs.map((turnMs) => turnMs - options.latencyMs));
        resends += conversation.resends;
      } catch (error) {
        failed += 1;
        if (failed === 1) context.log(`a concurrent session failed: ${String(error)}`);
      }
    }),
  );
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpuUsed = cpu.read();
  const turnsDone = (options.sessions - failed) * options.turns;
  const peakSampled = await sampler.stop();
  const after = await worker.memory({ collectGarbage: true });
  const newlyCached = after.cachedWorkflows - idle.cachedWorkflows;
  const result: ConcurrencyLevelResult = {
    sessions: options.sessions,
    turnsPerSession: options.turns,
    modelLatencyMs: options.latencyMs,
    tuning: options.tuning ?? 'product defaults',
    schemas: options.schemasPerWorkflow ? 'per workflow' : 'shared',
    wallSeconds: round(wallSeconds),
    turnsPerSecond: round(turnsDone / wallSeconds),
    overheadPerTurnMs: summarize(overhead.length > 0 ? overhead : [Number.NaN]),
    failedSessions: failed,
    resends,
    cpuMsPerTurn: Object.fromEntries(Object.entries(cpuUsed).map(([name, used]) => [name, round(used / Math.max(1, turnsDone))])),
    worker: {
      startMs: round(worker.startMs),
      idleRssBytes: idle.rssBytes,
      peakRssBytes: Math.max(peakSampled, after.peakRssBytes),
      rssAfterBytes: after.rssBytes,
      cachedSessions: after.cachedWorkflows,
      rssPerCachedSessionBytes: newlyCached > 0 ? Math.round((after.rssBytes - idle.rssBytes) / newlyCached) : undefined,
    },
  };
  await context.cleanUp();
  return result;
}

/** Polls the worker's resident memory while a run goes on; resolves to the highest value seen. */
function sampleRss(worker: BenchWorker): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const memory: WorkerMemory | undefined = await worker.memory().catch(() => undefined);
      if (memory) peak = Math.max(peak, memory.rssBytes, memory.peakRssBytes);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

export const kib = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${(bytes / 1024).toFixed(0)} KiB`);
export const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/** CPU per turn of each process, for a table cell. */
export function cpuCell(cpu: Record<string, number>): string {
  return ['server', 'worker', 'client'].map((name) => (cpu[name] === undefined ? 'n/a' : `${cpu[name].toFixed(1)}`)).join(' / ') + ' ms';
}

export function concurrencyRows(levels: ConcurrencyLevelResult[]): string[] {
  return levels.map(
    (level) =>
      `| ${level.sessions} | ${typeof level.tuning === 'string' ? level.tuning : Object.entries(level.tuning).map(([key, value]) => `${key}=${value}`).join(', ')}${level.schemas === 'per workflow' ? '; schemas per workflow (the code before)' : ''} | ${level.turnsPerSecond.toFixed(1)} | ${ms(level.overheadPerTurnMs.median)} / ${ms(level.overheadPerTurnMs.p95)} | ${level.failedSessions} / ${level.resends} | ${mib(level.worker.idleRssBytes)} | ${mib(level.worker.peakRssBytes)} | ${level.worker.cachedSessions} | ${kib(level.worker.rssPerCachedSessionBytes)} | ${cpuCell(level.cpuMsPerTurn)} |`,
  );
}

/** The level with the most sessions run with today's bundle (not a comparison row of the code before it). */
export function largestLevel(levels: ConcurrencyLevelResult[]): ConcurrencyLevelResult | undefined {
  return levels
    .filter((level) => level.schemas !== 'per workflow')
    .reduce<ConcurrencyLevelResult | undefined>((best, level) => (!best || level.sessions > best.sessions ? level : best), undefined);
}

/** What sharing the schemas saves at each level run both ways: memory per cached session and CPU per turn. */
function sharingNote(levels: ConcurrencyLevelResult[]): string[] {
  const lines: string[] = [];
  for (const before of levels.filter((level) => level.schemas === 'per workflow')) {
    const after = levels.find((level) => level.sessions === before.sessions && level.schemas !== 'per workflow');
    const beforeBytes = before.worker.rssPerCachedSessionBytes;
    const afterBytes = after?.worker.rssPerCachedSessionBytes;
    if (!after || beforeBytes === undefined || afterBytes === undefined) continue;
    const cpu = (level: ConcurrencyLevelResult) => Object.values(level.cpuMsPerTurn).reduce((sum, value) => sum + value, 0);
    lines.push(
      `- ${before.sessions} sessions: ${kib(afterBytes)} per cached session with shared schemas against ${kib(beforeBytes)} with schemas per workflow (${(afterBytes / beforeBytes).toFixed(2)}x); CPU per turn, all processes, ${cpu(after).toFixed(1)} against ${cpu(before).toFixed(1)} ms (${(cpu(after) / cpu(before)).toFixed(2)}x).`,
    );
  }
  return lines.length === 0
    ? []
    : ['', 'Shared schemas (src/workflows/shared-schemas.ts) against each workflow building its own, same run:', ...lines];
}

/**
 * What the machine can serve at the CPU a turn costs (dev server, worker and client share its cores): the ceiling
 * on turns per second, against what the sessions ask for (one turn each per model latency plus overhead).
 */
function capacityNote(levels: ConcurrencyLevelResult[]): string {
  const largest = largestLevel(levels);
  if (!largest) return '';
  const cpuMs = Object.values(largest.cpuMsPerTurn).reduce((sum, value) => sum + value, 0);
  const cores = availableParallelism();
  const ceiling = (cores * 1000) / cpuMs;
  const demanded = (largest.sessions * 1000) / (largest.modelLatencyMs + 100);
  return `Capacity: at ${cpuMs.toFixed(1)} ms of CPU a turn (dev server, worker and client together, all on this machine's ${cores} cores), the machine serves at most ${ceiling.toFixed(0)} turns a second; ${largest.sessions} sessions that each want a turn every ${largest.modelLatencyMs} ms (plus 100 ms of overhead at the target) ask for ${demanded.toFixed(0)}. Past the ceiling turns queue, and overhead per turn is queueing time: the p95 target needs about ${((demanded * cpuMs) / 1000).toFixed(0)} cores at this cost per turn, with the server on machines of its own.`;
}

export const concurrencyHeader = [
  '| sessions | worker settings | turns/s | overhead per turn p50 / p95 | failed sessions / resent calls | worker RSS idle | worker peak RSS | cached sessions after | RSS per cached session | CPU per turn: server / worker / client |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];

export const concurrencyScenario = defineScenario<ConcurrencyResult>({
  name: 'concurrency',
  title: '2. Concurrency: sessions at once on one worker process',
  async run(context, mode) {
    const levels: ConcurrencyLevelResult[] = [];
    // The larger levels run twice, the second time with the bundle whose workflows each build their own schemas:
    // what sharing them saves, in memory and CPU, measured in the same run.
    const plan = mode.quick
      ? [{ sessions: 8 }]
      : [{ sessions: 10 }, { sessions: 100 }, { sessions: 100, schemasPerWorkflow: true }, { sessions: 500 }, { sessions: 500, schemasPerWorkflow: true }];
    for (const step of plan) {
      const level = await runConcurrencyLevel(context, { ...step, turns: mode.quick ? 3 : 10, latencyMs: 100 });
      context.log(`concurrency ${step.sessions} (schemas ${level.schemas}): ${level.turnsPerSecond} turns/s, CPU/turn ${cpuCell(level.cpuMsPerTurn)}, p95 overhead ${ms(level.overheadPerTurnMs.p95)}, peak RSS ${mib(level.worker.peakRssBytes)}, per session ${kib(level.worker.rssPerCachedSessionBytes)}`);
      levels.push(level);
    }
    return { levels };
  },
  describe(result) {
    return [
      `Each session is a ${result.levels[0]?.turnsPerSession ?? 10}-turn conversation of text turns (one model call each; the first turn starts the session); model latency ${result.levels[0]?.modelLatencyMs ?? 100} ms; all sessions start together. Overhead per turn = turn wall time - model latency. RSS per cached session = (RSS after - RSS before, both after a GC) / sessions the worker keeps cached.`,
      '',
      ...concurrencyHeader,
      ...concurrencyRows(result.levels),
      ...sharingNote(result.levels),
      '',
      capacityNote(result.levels),
    ].join('\n');
  },
});
