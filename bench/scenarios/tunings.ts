/**
 * Tunings: each knob measured against the product's defaults in the same run, interleaved where the measurement
 * allows, with the CPU each turn costs the dev server and the worker (steadier than wall time on a shared machine).
 */
import type { BenchContext, StartedWorker } from '../lib/bench-context.js';
import { benchServerDynamicConfig, startBenchServer, type BenchServer } from '../lib/bench-server.js';
import type { WorkerTuning } from '../lib/bench-worker.js';
import { runKeelConversation } from '../lib/keel-conversation.js';
import { CpuMeter } from '../lib/process-cpu.js';
import { benchLookupToolName } from '../lib/bench-tools.js';
import { conversationMessages, defineScenario, ms } from '../lib/scenario.js';
import { round, summarize, type Summary } from '../lib/stats.js';
import { concurrencyHeader, concurrencyRows, runConcurrencyLevel, type ConcurrencyLevelResult } from './concurrency.js';
import { recoveryHeader, recoveryRows, runRecovery, type RecoveryVariantResult } from './recovery.js';
import { join } from 'node:path';

export interface VariantResult {
  variant: string;
  overheadPerTurnMs: Summary;
  /** CPU per turn of the dev server and of the worker process, ms. */
  serverCpuMsPerTurn: number | undefined;
  workerCpuMsPerTurn: number | undefined;
}

export interface CacheVariantResult extends VariantResult {
  earlyOverheadMs: Summary;
  lateOverheadMs: Summary;
}

export interface TuningsResult {
  modelLatencyMs: number;
  transferPollRate: { turns: number; variants: VariantResult[] };
  eagerActivities: VariantResult[];
  storage: VariantResult[];
  stickyCache: { turns: number; variants: CacheVariantResult[] };
  workerSlots: ConcurrencyLevelResult[];
  recovery: RecoveryVariantResult[];
}

interface Contender {
  variant: string;
  server: BenchServer;
  started: StartedWorker;
  overhead: number[];
  serverCpu: number;
  workerCpu: number;
  turns: number;
}

/** Runs the same conversation on each contender in turn, `repetitions` times, alternating the order. */
async function interleave(contenders: Contender[], turns: number, repetitions: number, options: { tools?: string[] } = {}): Promise<VariantResult[]> {
  const messages = conversationMessages(turns, options.tools ? ' Look it up first.' : '');
  const tools = options.tools ? { tools: options.tools } : {};
  for (const contender of contenders) {
    await runKeelConversation({ sessions: contender.started.sessions, system: 'bench warm-up', userMessages: messages.slice(0, 3), ...tools });
  }
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const order = repetition % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      const cpu = new CpuMeter({ server: contender.server.pid, worker: contender.started.worker.child.pid });
      const conversation = await runKeelConversation({ sessions: contender.started.sessions, system: `bench tuning ${contender.variant} ${repetition}`, userMessages: messages, ...tools });
      const used = cpu.read();
      contender.serverCpu += used['server'] ?? Number.NaN;
      contender.workerCpu += used['worker'] ?? Number.NaN;
      contender.turns += turns;
      // Model latency is 0 in these runs: the whole turn is overhead.
      contender.overhead.push(...conversation.turnMs);
    }
  }
  return contenders.map((contender) => ({
    variant: contender.variant,
    overheadPerTurnMs: summarize(contender.overhead),
    serverCpuMsPerTurn: Number.isFinite(contender.serverCpu) ? round(contender.serverCpu / contender.turns) : undefined,
    workerCpuMsPerTurn: Number.isFinite(contender.workerCpu) ? round(contender.workerCpu / contender.turns) : undefined,
  }));
}

async function contender(context: BenchContext, variant: string, modelUrl: string, tuning?: WorkerTuning, server?: BenchServer): Promise<Contender> {
  const chosen = server ?? context.server;
  const started = await context.startWorker({ modelUrl, server: chosen, ...(tuning ? { tuning } : {}) });
  return { variant, server: chosen, started, overhead: [], serverCpu: 0, workerCpu: 0, turns: 0 };
}

export const tuningsScenario = defineScenario<TuningsResult>({
  name: 'tunings',
  title: 'Tunings and their effects',
  async run(context, mode) {
    const latencyMs = 0;
    const turns = mode.quick ? 3 : 20;
    const repetitions = mode.quick ? 1 : 6;
    const model = await context.startModel({ latencyMs });

    // Tool-using turns (three steps each, in quick succession): where the transfer queue's poll rate shows.
    const transferTurns = mode.quick ? 4 : 20;
    const cappedServer = await startBenchServer({ dynamicConfig: { ...benchServerDynamicConfig, 'history.transferProcessorMaxPollRPS': 20 } });
    context.defer(() => cappedServer.close());
    const transferVariants = await interleave(
      [
        await contender(context, `Keel's setting (history.transferProcessorMaxPollRPS=${benchServerDynamicConfig['history.transferProcessorMaxPollRPS']})`, model.url),
        await contender(context, "the server's default (history.transferProcessorMaxPollRPS=20 a shard)", model.url, undefined, cappedServer),
      ],
      transferTurns,
      repetitions,
      { tools: [benchLookupToolName] },
    );
    context.log(`tuning, transfer poll rate: ${transferVariants.map((entry) => `${entry.variant.split(' (')[0]} p50 ${ms(entry.overheadPerTurnMs.median)}`).join('; ')}`);
    await context.cleanUp();

    const eagerModel = await context.startModel({ latencyMs });
    const defaultServer = await startBenchServer({ dynamicConfig: { ...benchServerDynamicConfig, 'system.enableActivityEagerExecution': false } });
    context.defer(() => defaultServer.close());
    const eagerActivities = await interleave(
      [
        await contender(context, 'eager activity execution on (server: system.enableActivityEagerExecution=true; worker: SDK default, 3 slots reserved per workflow task)', eagerModel.url),
        await contender(context, 'eager activity execution off on the worker (maxEagerActivityReservationsPerWorkflowTask=0)', eagerModel.url, { maxEagerActivityReservationsPerWorkflowTask: 0 }),
        await contender(context, "eager activity execution not enabled on the server (its default)", eagerModel.url, undefined, defaultServer),
      ],
      turns,
      repetitions,
    );
    context.log(`tuning, eager activities: ${eagerActivities.map((entry) => `${entry.variant.split(' (')[0]} p50 ${ms(entry.overheadPerTurnMs.median)}`).join('; ')}`);
    await context.cleanUp();

    const storageModel = await context.startModel({ latencyMs });
    const fileServer = await startBenchServer({ dynamicConfig: benchServerDynamicConfig, dbFile: join(context.workDirectory, 'temporal-file.db') });
    context.defer(() => fileServer.close());
    const storage = await interleave(
      [
        await contender(context, 'dev server on in-memory SQLite (its default)', storageModel.url),
        await contender(context, 'dev server on a SQLite file (fsync on commit)', storageModel.url, undefined, fileServer),
      ],
      turns,
      repetitions,
    );
    context.log(`tuning, storage: ${storage.map((entry) => `${entry.variant} p50 ${ms(entry.overheadPerTurnMs.median)}`).join('; ')}`);
    await context.cleanUp();

    const cacheTurns = mode.quick ? 8 : 100;
    const cacheModel = await context.startModel({ latencyMs });
    const cacheVariants: CacheVariantResult[] = [];
    for (const [variant, tuning] of [
      ['sticky workflow cache on (SDK default size)', undefined],
      ['sticky workflow cache off (maxCachedWorkflows=0: every workflow task replays the history)', { maxCachedWorkflows: 0, maxConcurrentWorkflowTaskExecutions: 1 }],
    ] as Array<[string, WorkerTuning | undefined]>) {
      const entry = await contender(context, variant, cacheModel.url, tuning);
      const [result] = await interleave([entry], cacheTurns, 1);
      cacheVariants.push({
        ...result,
        earlyOverheadMs: summarize(entry.overhead.slice(3 + 0, 3 + 10)),
        lateOverheadMs: summarize(entry.overhead.slice(-10)),
      });
    }
    context.log(`tuning, sticky cache: ${cacheVariants.map((entry) => `${entry.variant.split(' (')[0]} late p50 ${ms(entry.lateOverheadMs.median)}`).join('; ')}`);
    await context.cleanUp();

    const slotSessions = mode.quick ? 4 : 100;
    const workerSlots: ConcurrencyLevelResult[] = [];
    // A quick run leaves this out: the concurrency scenario already runs the same code.
    for (const tuning of mode.quick ? [] : [undefined, { maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentWorkflowTaskPolls: 50, maxConcurrentActivityTaskExecutions: 1000, maxConcurrentActivityTaskPolls: 50 }]) {
      workerSlots.push(await runConcurrencyLevel(context, { sessions: slotSessions, turns: mode.quick ? 2 : 10, latencyMs: 100, ...(tuning ? { tuning } : {}) }));
    }
    context.log(`tuning, worker slots: ${workerSlots.map((level) => `${level.turnsPerSecond} turns/s`).join(' vs ')}`);

    // A quick run's recovery section already uses this tuning.
    const recovery = mode.quick ? [] : [await runRecovery(context, { repetitions: 3, tuning: { stickyQueueScheduleToStartTimeout: '1s' } })];
    return { modelLatencyMs: latencyMs, transferPollRate: { turns: transferTurns, variants: transferVariants }, eagerActivities, storage, stickyCache: { turns: cacheTurns, variants: cacheVariants }, workerSlots, recovery };
  },
  describe(result) {
    const cpu = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(1)} ms`);
    const variantRows = (variants: VariantResult[]) =>
      variants.map((entry) => `| ${entry.variant} | ${ms(entry.overheadPerTurnMs.median)} / ${ms(entry.overheadPerTurnMs.p95)} | ${cpu(entry.serverCpuMsPerTurn)} | ${cpu(entry.workerCpuMsPerTurn)} |`);
    const variantHeader = ['| variant | overhead per turn p50 / p95 | dev server CPU per turn | worker CPU per turn |', '| --- | --- | --- | --- |'];
    return [
      `${result.modelLatencyMs} ms model latency; text turns (one model call each), so that each figure is the cost of one durable step; the variants interleaved.`,
      '',
      `### Transfer queue poll rate (tool-using turns: a model call, the tool, a model call; ${result.transferPollRate.turns}-turn conversations)`,
      '',
      'Every workflow task that follows an activity reaches the worker through the history shard\'s transfer queue, whose reader the server caps at 20 polls a second a shard (the dev server has one shard). Quick steps in a row exhaust that within a second, and from then on each step waits for the next poll.',
      '',
      ...variantHeader,
      ...variantRows(result.transferPollRate.variants),
      '',
      '### Eager activity execution',
      '',
      ...variantHeader,
      ...variantRows(result.eagerActivities),
      '',
      '### Dev server storage',
      '',
      ...variantHeader,
      ...variantRows(result.storage),
      '',
      `### Sticky workflow cache (one ${result.stickyCache.turns}-turn session each)`,
      '',
      '| variant | overhead turns 4-13 p50 | overhead last 10 turns p50 | dev server CPU per turn | worker CPU per turn |',
      '| --- | --- | --- | --- | --- |',
      ...result.stickyCache.variants.map((entry) => `| ${entry.variant} | ${ms(entry.earlyOverheadMs.median)} | ${ms(entry.lateOverheadMs.median)} | ${cpu(entry.serverCpuMsPerTurn)} | ${cpu(entry.workerCpuMsPerTurn)} |`),
      '',
      '### Worker task slots (concurrent sessions, 100 ms model latency)',
      '',
      ...concurrencyHeader,
      ...concurrencyRows(result.workerSlots),
      '',
      '### Sticky queue timeout after a crash (compare with section 5)',
      '',
      ...recoveryHeader,
      ...recoveryRows(result.recovery),
    ].join('\n');
  },
});
