/**
 * 1. Turn overhead: the same scripted conversation run by (a) a plain in-process loop over the Anthropic SDK with
 * no durability, (b) a Keel session on the dev server, (b') the same with its model calls and retry-safe tool as
 * local activities (`modelCall.local`) and (c) the least durable loop on Temporal (the floor under (b): what
 * Temporal alone costs here), interleaved within one process run so that machine noise hits all alike. Model latency
 * is fixed; overhead per turn = turn wall time - model latency x model calls.
 */
import { latencyFromSystem, systemWithLatency } from '../lib/bench-responder.js';
import { runKeelConversation } from '../lib/keel-conversation.js';
import { benchLocalProfile } from '../lib/bench-profiles.js';
import { benchLookupToolName, benchTools } from '../lib/bench-tools.js';
import { runMinimalLoop } from '../lib/minimal-loop.js';
import { runPlainLoop } from '../lib/plain-loop.js';
import { conversationMessages, defineScenario, ms } from '../lib/scenario.js';
import { ratio, round, summarize, type Summary } from '../lib/stats.js';

export interface LatencyResult {
  modelLatencyMs: number;
  repetitions: number;
  turnsPerConversation: number;
  /** Model calls a turn makes (the tool call between them). */
  modelCallsPerTurn: number;
  plainLoop: { overheadPerTurnMs: Summary; conversationWallMs: Summary };
  /** (c): turns 2+ only, like Keel's steady figure (its workflow starts before the first turn). */
  temporalFloor: { steadyOverheadPerTurnMs: Summary };
  /** Keel's steady overhead minus the floor's, per turn (medians): what Keel adds to Temporal. */
  keelOverFloorPerTurnMs: number;
  keel: {
    overheadPerTurnMs: Summary;
    /** Each turn's overhead over its model calls: per step, in Keel's sense of a turn (one model call and its tools). */
    overheadPerStepMs: Summary;
    steadyOverheadPerTurnMs: Summary;
    firstTurnOverheadMs: Summary;
    conversationWallMs: Summary;
  };
  /** Keel's overhead minus the plain loop's, per turn (medians). */
  durabilityCostPerTurnMs: number;
  /** (b'): the same sessions with `modelCall.local` (model calls and the retry-safe tool as local activities). */
  keelLocal?: {
    overheadPerTurnMs: Summary;
    overheadPerStepMs: Summary;
    steadyOverheadPerTurnMs: Summary;
    conversationWallMs: Summary;
    /** Its overhead minus the plain loop's, per turn (medians). */
    durabilityCostPerTurnMs: number;
    /** Conversation wall time, over the plain loop (median of per-repetition ratios). */
    ratioToPlain: number | undefined;
  };
  /** Conversation wall time, Keel over plain loop (median of per-repetition ratios). */
  ratioKeelToPlain: number | undefined;
  /** With `--baseline <ref>`: the same conversations on Keel's workflow code of that commit, interleaved with (b). */
  baseline?: {
    ref: string;
    commit: string;
    overheadPerTurnMs: Summary;
    steadyOverheadPerTurnMs: Summary;
    /** Conversation wall time, today's Keel over the baseline's (median of per-repetition ratios). */
    ratioKeelToBaseline: number | undefined;
  };
}

export interface TurnOverheadResult {
  variant: string;
  latencies: LatencyResult[];
}

export const turnOverheadScenario = defineScenario<TurnOverheadResult>({
  name: 'turn-overhead',
  title: '1. Turn overhead: plain SDK loop vs Keel, same conversation',
  async run(context, mode) {
    const turns = mode.quick ? 4 : 20;
    const plan = mode.quick
      ? [
          { latencyMs: 0, repetitions: 1 },
          { latencyMs: 200, repetitions: 1 },
        ]
      : [
          { latencyMs: 0, repetitions: 10 },
          { latencyMs: 200, repetitions: 5 },
        ];
    const latencies: LatencyResult[] = [];
    // One model server and one worker for every latency: each conversation's system prompt names its latency.
    const model = await context.startModel({ latencyMs: 0, delayFor: latencyFromSystem });
    const { sessions } = await context.startWorker({ modelUrl: model.url });
    const floorWorker = await context.startWorker({ modelUrl: model.url, kind: 'naive' });
    const baselineBundle = context.bundles.baseline;
    const baselineSessions = baselineBundle ? (await context.startWorker({ modelUrl: model.url, kind: 'baseline' })).sessions : undefined;
    const messages = conversationMessages(turns, ' Look it up first.');
    // Each turn: a model call asking for the lookup tool, the tool, a model call answering.
    // The lookup tool alone, as the Keel session enables it (offered both, the bench model would pick the 10 KB one).
    const tools = benchTools().filter((tool) => tool.name === benchLookupToolName);
    const toolNames = [benchLookupToolName];
    const modelCallsPerTurn = 2;
    // Warm-up: the first run of each pays for connections, JIT and the worker's first workflow activation.
    await runPlainLoop({ modelUrl: model.url, system: 'bench warm-up', userMessages: messages.slice(0, 3), tools });
    await runKeelConversation({ sessions, system: 'bench warm-up', userMessages: messages.slice(0, 3), tools: toolNames });
    await runKeelConversation({ sessions, profile: benchLocalProfile, system: 'bench warm-up', userMessages: messages.slice(0, 3), tools: toolNames });
    const runFloor = (system: string, userMessages: string[]) => runMinimalLoop({ client: context.server.client, taskQueue: floorWorker.taskQueue, system, userMessages, tools });
    await runFloor('bench warm-up', messages.slice(0, 3));
    if (baselineSessions) await runKeelConversation({ sessions: baselineSessions, system: 'bench warm-up', userMessages: messages.slice(0, 3), tools: toolNames });
    for (const { latencyMs, repetitions } of plan) {
      const plainOverhead: number[] = [];
      const keelOverhead: number[] = [];
      const keelSteady: number[] = [];
      const keelFirst: number[] = [];
      const floorSteady: number[] = [];
      const plainWall: number[] = [];
      const keelWall: number[] = [];
      const ratios: number[] = [];
      const baselineOverhead: number[] = [];
      const baselineSteady: number[] = [];
      const baselineRatios: number[] = [];
      const localOverhead: number[] = [];
      const localSteady: number[] = [];
      const localWall: number[] = [];
      const localRatios: number[] = [];
      for (let repetition = 0; repetition < repetitions; repetition += 1) {
        const system = systemWithLatency(`bench turn-overhead ${repetition}`, latencyMs);
        const runPlain = async () => runPlainLoop({ modelUrl: model.url, system, userMessages: messages, tools });
        const runKeel = async () => (await runKeelConversation({ sessions, system, userMessages: messages, tools: toolNames })).turnMs;
        const runLocal = async () =>
          (await runKeelConversation({ sessions, profile: benchLocalProfile, system, userMessages: messages, tools: toolNames })).turnMs;
        const turnsOf: Record<'plain' | 'keel' | 'local' | 'floor' | 'baseline', number[]> = { plain: [], keel: [], local: [], floor: [], baseline: [] };
        const sides: Array<['plain' | 'keel' | 'local' | 'floor' | 'baseline', () => Promise<number[]>]> = [
          ['plain', runPlain],
          ['keel', runKeel],
          ['local', runLocal],
          ['floor', () => runFloor(system, messages)],
        ];
        if (baselineSessions) {
          sides.push(['baseline', async () => (await runKeelConversation({ sessions: baselineSessions, system, userMessages: messages, tools: toolNames })).turnMs]);
        }
        // Rotate which runs first, so none always gets the quieter moment.
        for (let index = 0; index < sides.length; index += 1) {
          const [side, runSide] = sides[(index + repetition) % sides.length];
          turnsOf[side] = await runSide();
        }
        const { plain: plainTurns, keel: keelTurns } = turnsOf;
        floorSteady.push(...turnsOf.floor.slice(1).map((turnMs) => turnMs - latencyMs * modelCallsPerTurn));
        const modelMs = latencyMs * modelCallsPerTurn;
        plainOverhead.push(...plainTurns.map((turnMs) => turnMs - modelMs));
        keelOverhead.push(...keelTurns.map((turnMs) => turnMs - modelMs));
        keelFirst.push(keelTurns[0] - modelMs);
        keelSteady.push(...keelTurns.slice(1).map((turnMs) => turnMs - modelMs));
        const plainTotal = plainTurns.reduce((sum, value) => sum + value, 0);
        const keelTotal = keelTurns.reduce((sum, value) => sum + value, 0);
        plainWall.push(plainTotal);
        keelWall.push(keelTotal);
        ratios.push(keelTotal / plainTotal);
        localOverhead.push(...turnsOf.local.map((turnMs) => turnMs - modelMs));
        localSteady.push(...turnsOf.local.slice(1).map((turnMs) => turnMs - modelMs));
        const localTotal = turnsOf.local.reduce((sum, value) => sum + value, 0);
        localWall.push(localTotal);
        localRatios.push(localTotal / plainTotal);
        if (baselineSessions) {
          baselineOverhead.push(...turnsOf.baseline.map((turnMs) => turnMs - modelMs));
          baselineSteady.push(...turnsOf.baseline.slice(1).map((turnMs) => turnMs - modelMs));
          baselineRatios.push(keelTotal / turnsOf.baseline.reduce((sum, value) => sum + value, 0));
        }
      }
      const plain = { overheadPerTurnMs: summarize(plainOverhead), conversationWallMs: summarize(plainWall) };
      const keel = {
        overheadPerTurnMs: summarize(keelOverhead),
        overheadPerStepMs: summarize(keelOverhead.map((overhead) => overhead / modelCallsPerTurn)),
        steadyOverheadPerTurnMs: summarize(keelSteady),
        firstTurnOverheadMs: summarize(keelFirst),
        conversationWallMs: summarize(keelWall),
      };
      latencies.push({
        modelLatencyMs: latencyMs,
        repetitions,
        turnsPerConversation: turns,
        modelCallsPerTurn,
        plainLoop: plain,
        keel,
        temporalFloor: { steadyOverheadPerTurnMs: summarize(floorSteady) },
        keelOverFloorPerTurnMs: round(keel.steadyOverheadPerTurnMs.median - summarize(floorSteady).median),
        durabilityCostPerTurnMs: round(keel.overheadPerTurnMs.median - plain.overheadPerTurnMs.median),
        ratioKeelToPlain: ratio(summarize(ratios).median, 1),
        keelLocal: {
          overheadPerTurnMs: summarize(localOverhead),
          overheadPerStepMs: summarize(localOverhead.map((overhead) => overhead / modelCallsPerTurn)),
          steadyOverheadPerTurnMs: summarize(localSteady),
          conversationWallMs: summarize(localWall),
          durabilityCostPerTurnMs: round(summarize(localOverhead).median - plain.overheadPerTurnMs.median),
          ratioToPlain: ratio(summarize(localRatios).median, 1),
        },
        ...(baselineBundle
          ? {
              baseline: {
                ref: baselineBundle.ref,
                commit: baselineBundle.commit,
                overheadPerTurnMs: summarize(baselineOverhead),
                steadyOverheadPerTurnMs: summarize(baselineSteady),
                ratioKeelToBaseline: ratio(summarize(baselineRatios).median, 1),
              },
            }
          : {}),
      });
      context.log(
        `turn overhead @${latencyMs} ms: plain p50 ${ms(plain.overheadPerTurnMs.median)}, temporal floor (turns 2+) p50 ${ms(summarize(floorSteady).median)}, keel p50 ${ms(keel.overheadPerTurnMs.median)} p99 ${ms(keel.overheadPerTurnMs.p99)}, ratio ${latencies.at(-1)!.ratioKeelToPlain}; modelCall.local p50 ${ms(summarize(localOverhead).median)} p99 ${ms(summarize(localOverhead).p99)}, ratio ${latencies.at(-1)!.keelLocal?.ratioToPlain}`,
      );
    }
    return {
      variant: `tool-using turns: a user message, a model call asking for \`${benchLookupToolName}\`, the tool call (a Keel \`runTool\` activity; in-process in the plain loop), a model call answering`,
      latencies,
    };
  },
  describe(result) {
    const rows = result.latencies.map(
      (entry) =>
        `| ${entry.modelLatencyMs} ms | ${entry.repetitions} x ${entry.turnsPerConversation} | ${ms(entry.plainLoop.overheadPerTurnMs.median)} / ${ms(entry.plainLoop.overheadPerTurnMs.p95)} | ${ms(entry.keel.overheadPerTurnMs.median)} / ${ms(entry.keel.overheadPerTurnMs.p95)} / ${ms(entry.keel.overheadPerTurnMs.p99)} | ${ms(entry.keel.overheadPerStepMs.median)} / ${ms(entry.keel.overheadPerStepMs.p99)} | ${ms(entry.keel.steadyOverheadPerTurnMs.median)} / ${ms(entry.keel.steadyOverheadPerTurnMs.p99)} | ${ms(entry.keel.firstTurnOverheadMs.median)} | ${ms(entry.temporalFloor.steadyOverheadPerTurnMs.median)} / ${ms(entry.temporalFloor.steadyOverheadPerTurnMs.p99)} | ${ms(entry.keelOverFloorPerTurnMs)} | ${ms(entry.durabilityCostPerTurnMs)} | ${entry.ratioKeelToPlain ?? 'n/a'} |`,
    );
    const localRows = result.latencies.flatMap((entry) =>
      entry.keelLocal
        ? [
            `| ${entry.modelLatencyMs} ms | ${ms(entry.keel.overheadPerTurnMs.median)} / ${ms(entry.keel.overheadPerTurnMs.p99)} | ${ms(entry.keelLocal.overheadPerTurnMs.median)} / ${ms(entry.keelLocal.overheadPerTurnMs.p95)} / ${ms(entry.keelLocal.overheadPerTurnMs.p99)} | ${ms(entry.keelLocal.overheadPerStepMs.median)} / ${ms(entry.keelLocal.overheadPerStepMs.p99)} | ${ms(entry.keelLocal.steadyOverheadPerTurnMs.median)} / ${ms(entry.keelLocal.steadyOverheadPerTurnMs.p99)} | ${ms(entry.durabilityCostPerTurnMs)} | ${ms(entry.keelLocal.durabilityCostPerTurnMs)} | ${entry.ratioKeelToPlain ?? 'n/a'} | ${entry.keelLocal.ratioToPlain ?? 'n/a'} |`,
          ]
        : [],
    );
    const localTable =
      localRows.length > 0
        ? [
            '',
            '(b\') The same Keel sessions with `modelCall.local: true` (docs/profiles.md, "Local model calls": the model calls and the retry-safe lookup tool as local activities within the workflow task), interleaved with (a), (b) and (c) in the same run:',
            '',
            '| model latency | (b) overhead p50 / p99 | (b\') overhead p50 / p95 / p99 | (b\') per step p50 / p99 | (b\') turns 2+ p50 / p99 | durability cost (b - a, p50) | durability cost (b\' - a, p50) | wall ratio b/a | wall ratio b\'/a |',
            '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
            ...localRows,
          ]
        : [];
    const baselineRows = result.latencies.flatMap((entry) =>
      entry.baseline
        ? [`| ${entry.modelLatencyMs} ms | ${entry.baseline.ref} (${entry.baseline.commit.slice(0, 12)}) | ${ms(entry.baseline.overheadPerTurnMs.median)} / ${ms(entry.baseline.overheadPerTurnMs.p95)} | ${ms(entry.keel.overheadPerTurnMs.median)} / ${ms(entry.keel.overheadPerTurnMs.p95)} | ${ms(entry.baseline.steadyOverheadPerTurnMs.median)} | ${ms(entry.keel.steadyOverheadPerTurnMs.median)} | ${entry.baseline.ratioKeelToBaseline ?? 'n/a'} |`]
        : [],
    );
    const baselineTable =
      baselineRows.length > 0
        ? [
            '',
            'Today\'s workflow code against the `--baseline` commit\'s, same activities, same server, interleaved in the same run:',
            '',
            '| model latency | baseline | baseline overhead p50 / p95 | today overhead p50 / p95 | baseline turns 2+ p50 | today turns 2+ p50 | wall ratio today / baseline |',
            '| --- | --- | --- | --- | --- | --- | --- |',
            ...baselineRows,
          ]
        : [];
    return [
      `Conversation: ${result.variant}. A turn here is one user message answered; Keel counts each model call with its tool calls as a turn of its own, so the per-step column is the overhead per Keel turn. (c) is the least durable loop on Temporal (bench/workflows/minimal-chat-workflow.ts: an update per message, the model and tool calls as activities, the whole conversation in the workflow, nothing else), run on the same server: the floor any Temporal-based runtime pays here, and what Keel adds above it.`,
      '',
      '| model latency | runs x turns | (a) plain loop overhead p50 / p95 | (b) Keel overhead p50 / p95 / p99 | Keel per model call (step) p50 / p99 | Keel turns 2+ p50 / p99 | Keel first turn (starts the session) p50 | (c) Temporal floor, turns 2+ p50 / p99 | Keel over the floor (turns 2+, p50) | durability cost per turn (b - a, p50) | wall ratio b/a |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      ...localTable,
      ...baselineTable,
    ].join('\n');
  },
});
