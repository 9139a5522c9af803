/**
 * 1. Turn overhead: the same scripted conversation run by (a) a plain in-process loop over the Anthropic SDK with
 * no durability and (b) a Keel session on the dev server, interleaved within one process run so that machine noise
 * hits both alike. Model latency is fixed; overhead per turn = turn wall time - model latency x model calls.
 */
import { latencyFromSystem, systemWithLatency } from '../lib/bench-responder.js';
import { runKeelConversation } from '../lib/keel-conversation.js';
import { benchLookupToolName, benchTools } from '../lib/bench-tools.js';
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
  /** Conversation wall time, Keel over plain loop (median of per-repetition ratios). */
  ratioKeelToPlain: number | undefined;
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
    const messages = conversationMessages(turns, ' Look it up first.');
    // Each turn: a model call asking for the lookup tool, the tool, a model call answering.
    const tools = benchTools();
    const toolNames = [benchLookupToolName];
    const modelCallsPerTurn = 2;
    // Warm-up: the first run of each pays for connections, JIT and the worker's first workflow activation.
    await runPlainLoop({ modelUrl: model.url, system: 'bench warm-up', userMessages: messages.slice(0, 3), tools });
    await runKeelConversation({ sessions, system: 'bench warm-up', userMessages: messages.slice(0, 3), tools: toolNames });
    for (const { latencyMs, repetitions } of plan) {
      const plainOverhead: number[] = [];
      const keelOverhead: number[] = [];
      const keelSteady: number[] = [];
      const keelFirst: number[] = [];
      const plainWall: number[] = [];
      const keelWall: number[] = [];
      const ratios: number[] = [];
      for (let repetition = 0; repetition < repetitions; repetition += 1) {
        const system = systemWithLatency(`bench turn-overhead ${repetition}`, latencyMs);
        // Alternate which runs first, so neither always gets the quieter moment.
        const runPlain = async () => runPlainLoop({ modelUrl: model.url, system, userMessages: messages, tools });
        const runKeel = async () => (await runKeelConversation({ sessions, system, userMessages: messages, tools: toolNames })).turnMs;
        let plainTurns: number[];
        let keelTurns: number[];
        if (repetition % 2 === 0) {
          plainTurns = await runPlain();
          keelTurns = await runKeel();
        } else {
          keelTurns = await runKeel();
          plainTurns = await runPlain();
        }
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
        durabilityCostPerTurnMs: round(keel.overheadPerTurnMs.median - plain.overheadPerTurnMs.median),
        ratioKeelToPlain: ratio(summarize(ratios).median, 1),
      });
      context.log(
        `turn overhead @${latencyMs} ms: plain p50 ${ms(plain.overheadPerTurnMs.median)}, keel p50 ${ms(keel.overheadPerTurnMs.median)} p99 ${ms(keel.overheadPerTurnMs.p99)}, ratio ${latencies.at(-1)!.ratioKeelToPlain}`,
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
        `| ${entry.modelLatencyMs} ms | ${entry.repetitions} x ${entry.turnsPerConversation} | ${ms(entry.plainLoop.overheadPerTurnMs.median)} / ${ms(entry.plainLoop.overheadPerTurnMs.p95)} | ${ms(entry.keel.overheadPerTurnMs.median)} / ${ms(entry.keel.overheadPerTurnMs.p95)} / ${ms(entry.keel.overheadPerTurnMs.p99)} | ${ms(entry.keel.overheadPerStepMs.median)} / ${ms(entry.keel.overheadPerStepMs.p99)} | ${ms(entry.keel.steadyOverheadPerTurnMs.median)} / ${ms(entry.keel.steadyOverheadPerTurnMs.p99)} | ${ms(entry.keel.firstTurnOverheadMs.median)} | ${ms(entry.durabilityCostPerTurnMs)} | ${entry.ratioKeelToPlain ?? 'n/a'} |`,
    );
    return [
      `Conversation: ${result.variant}. A turn here is one user message answered; Keel counts each model call with its tool calls as a turn of its own, so the per-step column is the overhead per Keel turn.`,
      '',
      '| model latency | runs x turns | (a) plain loop overhead p50 / p95 | (b) Keel overhead p50 / p95 / p99 | Keel per model call (step) p50 / p99 | Keel turns 2+ p50 / p99 | Keel first turn (starts the session) p50 | durability cost per turn (b - a, p50) | wall ratio b/a |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
  },
});
