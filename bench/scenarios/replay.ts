/**
 * 4. Replay: a long session's whole history (every run of its continue-as-new chain) replayed with the current
 * workflow code, timed against the wall time of the original run. A replay that is fast and never diverges is what
 * lets a worker rebuild a session anywhere, and lets anyone debug a run on a laptop.
 */
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fetchHistoryChain, historyBytes } from '../lib/history-bytes.js';
import { runKeelConversation } from '../lib/keel-conversation.js';
import { runMinimalLoop } from '../lib/minimal-loop.js';
import { conversationMessages, defineScenario, ms } from '../lib/scenario.js';
import { ratio, round, summarize, type Summary } from '../lib/stats.js';

export interface ReplayResult {
  turns: number;
  modelLatencyMs: number;
  originalWallMs: number;
  runs: number;
  events: number;
  historyBytes: number;
  /** Wall time to replay every run of the chain in a replay worker already started, ms. */
  replayMs: Summary;
  /** The same, counting the replay worker's creation (bundle loaded into a fresh V8 context), ms. */
  replayWithWorkerStartMs: Summary;
  replayMsPerTurn: number;
  /** Median replay time over the original run's wall time. */
  replayToOriginal: number | undefined;
  nondeterminismErrors: number;
  /** The same conversation in the least durable loop on Temporal (bench/workflows/minimal-chat-workflow.ts), replayed alike. */
  temporalFloor?: { events: number; replayMs: Summary; replayMsPerTurn: number };
}

interface ReplayTimes {
  /** Wall time of each repetition's first pass, which includes creating the replay worker, ms. */
  cold: number[];
  /** Wall time of each repetition's second pass: the replay alone, ms. */
  warm: number[];
  /** Histories that did not replay, over all passes. */
  errors: number;
}

/**
 * Replays a run chain `repetitions` times, each time twice through one replay worker: the first pass includes
 * creating the worker (loading the bundle into a fresh V8 context), the second is the replay alone.
 */
async function timeReplays(code: string, workflowId: string, chain: Awaited<ReturnType<typeof fetchHistoryChain>>, repetitions: number, log: (line: string) => void): Promise<ReplayTimes> {
  const times: ReplayTimes = { cold: [], warm: [], errors: 0 };
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const histories = [...chain, ...chain].map((history) => ({ workflowId, history }));
    const startedAt = performance.now();
    let firstPassEndedAt = startedAt;
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: { code }, replayName: 'bench-replay' }, histories)) {
      replayed += 1;
      if (replayed === chain.length) firstPassEndedAt = performance.now();
      if (result.error) {
        times.errors += 1;
        log(`replay error: ${String(result.error)}`);
      }
    }
    times.cold.push(firstPassEndedAt - startedAt);
    times.warm.push(performance.now() - firstPassEndedAt);
  }
  return times;
}

export const replayScenario = defineScenario<ReplayResult>({
  name: 'replay',
  title: '4. Replay of a long session with the current code',
  async run(context, mode) {
    const turns = mode.quick ? 10 : 500;
    const latencyMs = 100;
    const model = await context.startModel({ latencyMs });
    const { sessions } = await context.startWorker({ modelUrl: model.url });
    const conversation = await runKeelConversation({ sessions, system: 'bench replay', userMessages: conversationMessages(turns) });
    const originalWallMs = conversation.turnMs.reduce((sum, value) => sum + value, 0);
    await conversation.handle.cancel();
    await conversation.handle.result();
    const chain = await fetchHistoryChain(context.server.historyClient, conversation.handle.workflowId);
    const { cold, warm, errors: nondeterminismErrors } = await timeReplays(readFileSync(context.bundles.keel, 'utf8'), conversation.handle.workflowId, chain, mode.quick ? 1 : 3, (line) => context.log(line));
    const replayMs = summarize(warm);
    const withWorkerStartMs = summarize(cold);

    // The floor: the same turns as the least a durable loop on Temporal records, replayed the same way. Its model
    // latency does not matter to a replay, so it runs at none.
    const floorModel = await context.startModel({ latencyMs: 0 });
    const floorWorker = await context.startWorker({ modelUrl: floorModel.url, kind: 'naive' });
    const floorHandle = `bench-replay-floor-${randomUUID()}`;
    const floorRan = await runMinimalLoop({ client: context.server.client, taskQueue: floorWorker.taskQueue, system: 'bench replay floor', userMessages: conversationMessages(turns), workflowId: floorHandle })
      .then(() => true)
      .catch((error: unknown) => {
        context.log(`the floor conversation failed: ${String(error)}`);
        return false;
      });
    let temporalFloor: ReplayResult['temporalFloor'];
    if (floorRan) {
      const floorHistory = await context.server.historyClient.workflow.getHandle(floorHandle).fetchHistory();
      const floorTimes = (await timeReplays(readFileSync(context.bundles.naive, 'utf8'), floorHandle, [floorHistory], mode.quick ? 1 : 3, (line) => context.log(`floor ${line}`))).warm;
      const floorMs = summarize(floorTimes);
      temporalFloor = { events: floorHistory.events?.length ?? 0, replayMs: floorMs, replayMsPerTurn: round(floorMs.median / turns) };
      context.log(`replay of the floor's ${turns} turns: ${ms(floorMs.median)}`);
    }
    context.log(`replay of ${turns} turns: ${ms(replayMs.median)} (${ms(withWorkerStartMs.median)} with the replay worker's start) vs original ${ms(originalWallMs)}`);
    return {
      turns,
      modelLatencyMs: latencyMs,
      originalWallMs: round(originalWallMs),
      runs: chain.length,
      events: chain.reduce((sum, history) => sum + (history.events?.length ?? 0), 0),
      historyBytes: chain.reduce((sum, history) => sum + historyBytes(history), 0),
      replayMs,
      replayWithWorkerStartMs: withWorkerStartMs,
      replayMsPerTurn: round(replayMs.median / turns),
      replayToOriginal: ratio(replayMs.median, originalWallMs),
      nondeterminismErrors,
      ...(temporalFloor ? { temporalFloor } : {}),
    };
  },
  describe(result) {
    return [
      `A ${result.turns}-turn chat session (text turns, one model call each) at ${result.modelLatencyMs} ms model latency (then cancelled), replayed with the current workflow bundle, in ${result.runs} run(s): ${result.events} events, ${(result.historyBytes / 1024 ** 2).toFixed(2)} MiB.`,
      '',
      '| original wall time | replay p50 / p95 | replay incl. the replay worker\'s start p50 | replay per turn | replay / original | nondeterminism errors |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ${(result.originalWallMs / 1000).toFixed(1)} s | ${ms(result.replayMs.median)} / ${ms(result.replayMs.p95)} | ${ms(result.replayWithWorkerStartMs.median)} | ${ms(result.replayMsPerTurn)} | ${result.replayToOriginal !== undefined ? `${(result.replayToOriginal * 100).toFixed(2)} %` : 'n/a'} | ${result.nondeterminismErrors} |`,
      ...(result.temporalFloor
        ? [
            '',
            `The floor, for scale: the same ${result.turns} turns run by the least durable loop on Temporal (bench/workflows/minimal-chat-workflow.ts; ${result.temporalFloor.events} events) replay in ${ms(result.temporalFloor.replayMs.median)} (${ms(result.temporalFloor.replayMsPerTurn)} a turn), so Keel's replay is ${(result.replayMs.median / result.temporalFloor.replayMs.median).toFixed(2)}x the floor's. Most of a replay is the SDK's own work for each workflow task (activations across the bridge, payload conversion, and a stack trace captured for every promise the workflow creates, which the SDK keeps for its stack-trace query); a text turn is two workflow tasks.`,
          ]
        : []),
    ].join('\n');
  },
});
