/**
 * 6. Start and scale: (i) time from the client's start call to the session's first model request, for
 * `SessionClient.start` and for `startAndSend` (update-with-start); (ii) overhead per turn at turns 10, 100 and
 * 1,000 of one long session, and what a continue-as-new costs when the session makes one.
 */
import { randomUUID } from 'node:crypto';
import { requestSystem } from '../lib/bench-responder.js';
import { fetchHistoryChain } from '../lib/history-bytes.js';
import { openingMessage, runKeelConversation } from '../lib/keel-conversation.js';
import { runPlainLoop } from '../lib/plain-loop.js';
import { conversationMessages, defineScenario, ms, withTimeout } from '../lib/scenario.js';
import { ratio, round, summarize, type Summary } from '../lib/stats.js';

export interface WindowResult {
  turn: number;
  /** Turns the figure is taken over (the window ending at `turn`). */
  window: [number, number];
  overheadMs: Summary;
  /** The plain loop's overhead over the same turns of the same conversation (no durability). */
  plainOverheadMs?: Summary;
  /** Keel's overhead minus the plain loop's (medians): what durability costs at this point. */
  durabilityCostMs?: number;
}

export interface StartAndScaleResult {
  starts: number;
  startToFirstModelRequestMs: Summary;
  startAndSendToFirstModelRequestMs: Summary;
  /**
   * `SessionClient.start` again, on a worker whose workflows each build their own schemas (the code before
   * src/workflows/shared-schemas.ts), interleaved with the others: what a new workflow's module code costs a start.
   */
  startSchemasPerWorkflowMs?: Summary;
  longSession: {
    plannedTurns: number;
    turnsCompleted: number;
    modelLatencyMs: number;
    windows: WindowResult[];
    /** Overhead at the last window over the first (medians). */
    lastOverFirst: number | undefined;
    /** The same for the durability cost alone (Keel minus the plain loop). */
    durabilityLastOverFirst?: number;
    runs: number;
    /** Overhead of the turns during which a continue-as-new happened, ms. */
    continueAsNewTurnOverheadMs?: Summary;
    failure?: string;
  };
}

async function waitForRequest(requests: { receivedAt: number }[], matches: (index: number) => boolean, from: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (let index = from; index < requests.length; index += 1) if (matches(index)) return requests[index].receivedAt;
    if (Date.now() > deadline) throw new Error('no model request within 30 s of the start call');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export const startAndScaleScenario = defineScenario<StartAndScaleResult>({
  name: 'start-and-scale',
  title: '6. Session start, and overhead along one long session',
  async run(context, mode) {
    const model = await context.startModel({ latencyMs: 0 });
    const { sessions } = await context.startWorker({ modelUrl: model.url });
    const { sessions: unsharedSessions } = await context.startWorker({ modelUrl: model.url, kind: 'keel-unshared' });
    const starts = mode.quick ? 2 : 20;
    const plain: number[] = [];
    const withSend: number[] = [];
    const unshared: number[] = [];
    for (let index = 0; index < starts + 1; index += 1) {
      for (const how of ['start', 'startAndSend', 'start on the unshared worker'] as const) {
        const system = `bench start ${how} ${randomUUID()}`;
        const input = { profile: 'bench', mode: 'chat' as const, system, messages: [{ role: 'user' as const, content: openingMessage }] };
        const from = model.requests.length;
        const startedAt = Date.now();
        const started =
          how === 'start' ? sessions.start(input) : how === 'startAndSend' ? sessions.startAndSend(input, { content: 'Hello.' }) : unsharedSessions.start(input);
        const firstRequestAt = await waitForRequest(model.requests, (i) => requestSystem(model.requests[i] as never) === system, from);
        await started;
        // The first start warms connections and the worker; it is not counted.
        if (index > 0) ({ start: plain, startAndSend: withSend, 'start on the unshared worker': unshared })[how].push(firstRequestAt - startedAt);
      }
    }
    context.log(
      `start to first model request: start p50 ${ms(summarize(plain).median)}, startAndSend p50 ${ms(summarize(withSend).median)}, start with schemas per workflow p50 ${ms(summarize(unshared).median)}`,
    );

    const plannedTurns = mode.quick ? 20 : 1000;
    const checkpoints = mode.quick ? [10, 20] : [10, 100, 1000];
    const overheadByTurn: number[] = [];
    const turnEndedAt: number[] = [];
    const workflowId = `bench-long-${randomUUID()}`;
    let failure: string | undefined;
    const wallOrigin = Date.now() - performance.now();
    try {
      await withTimeout(
        (async () => {
          const conversation = await runKeelConversation({
            sessions,
            system: 'bench long session',
            userMessages: conversationMessages(plannedTurns),
            workflowId,
            onTurn: (_turn, turnMs, endedAt) => {
              overheadByTurn.push(turnMs);
              turnEndedAt.push(wallOrigin + endedAt);
            },
          });
          await conversation.handle.cancel();
        })(),
        mode.quick ? 120_000 : 1_800_000,
        'the long session',
      );
    } catch (error) {
      const description = await context.server.client.workflow.getHandle(workflowId).describe().catch(() => undefined);
      failure = `after ${overheadByTurn.length} turns: ${error instanceof Error ? error.message : String(error)} (workflow status: ${description?.status.name ?? 'unknown'})`;
      context.log(`long session failed ${failure}`);
    }
    // The same conversation in the plain loop: what a growing conversation costs without durability (the SDK
    // sends, and the model server parses, the whole of it at every turn) is not Keel's.
    let plainByTurn: number[] = [];
    try {
      plainByTurn = await withTimeout(
        runPlainLoop({ modelUrl: model.url, system: 'bench long session', userMessages: conversationMessages(plannedTurns) }),
        mode.quick ? 120_000 : 1_800_000,
        'the plain loop of the long session',
      );
    } catch (error) {
      context.log(`the plain loop of the long session failed: ${String(error)}`);
    }
    const windowSize = 10;
    const windows: WindowResult[] = checkpoints
      .filter((turn) => turn <= overheadByTurn.length)
      .map((turn) => {
        const first = Math.max(1, turn - windowSize + 1);
        const overheadMs = summarize(overheadByTurn.slice(first - 1, turn));
        if (turn > plainByTurn.length) return { turn, window: [first, turn], overheadMs };
        const plainOverheadMs = summarize(plainByTurn.slice(first - 1, turn));
        return { turn, window: [first, turn], overheadMs, plainOverheadMs, durabilityCostMs: round(overheadMs.median - plainOverheadMs.median) };
      });
    // Turns in which a new run of the chain began: a continue-as-new happened during them.
    let runs = 0;
    let continueAsNewTurnOverheadMs: Summary | undefined;
    try {
      const chain = await fetchHistoryChain(context.server.historyClient, workflowId);
      runs = chain.length;
      const canTurns = chain.slice(1).map((history) => {
        const time = history.events![0].eventTime!;
        const startedAtWall = Number(time.seconds) * 1000 + (time.nanos ?? 0) / 1e6;
        return turnEndedAt.findIndex((endedAt) => endedAt >= startedAtWall);
      });
      const overheads = canTurns.filter((index) => index >= 0).map((index) => overheadByTurn[index]);
      if (overheads.length > 0) continueAsNewTurnOverheadMs = summarize(overheads);
    } catch (error) {
      context.log(`could not read the long session's history: ${String(error)}`);
    }
    const first = windows[0]?.overheadMs.median;
    const last = windows.at(-1)?.overheadMs.median;
    const firstCost = windows[0]?.durabilityCostMs;
    const lastCost = windows.at(-1)?.durabilityCostMs;
    return {
      starts,
      startToFirstModelRequestMs: summarize(plain),
      startAndSendToFirstModelRequestMs: summarize(withSend),
      startSchemasPerWorkflowMs: summarize(unshared),
      longSession: {
        plannedTurns,
        turnsCompleted: overheadByTurn.length,
        modelLatencyMs: 0,
        windows,
        lastOverFirst: first !== undefined && last !== undefined && windows.length > 1 ? ratio(last, first) : undefined,
        ...(firstCost !== undefined && lastCost !== undefined && windows.length > 1 ? { durabilityLastOverFirst: ratio(lastCost, firstCost) } : {}),
        runs,
        ...(continueAsNewTurnOverheadMs ? { continueAsNewTurnOverheadMs } : {}),
        ...(failure ? { failure } : {}),
      },
    };
  },
  describe(result) {
    const long = result.longSession;
    return [
      `Session start, ${result.starts} sequential starts of each kind at 0 ms model latency (a first, uncounted start warms up):`,
      '',
      '| call | start call to first model request p50 / p95 |',
      '| --- | --- |',
      `| \`SessionClient.start\` | ${ms(result.startToFirstModelRequestMs.median)} / ${ms(result.startToFirstModelRequestMs.p95)} |`,
      `| \`SessionClient.startAndSend\` (update-with-start) | ${ms(result.startAndSendToFirstModelRequestMs.median)} / ${ms(result.startAndSendToFirstModelRequestMs.p95)} |`,
      ...(result.startSchemasPerWorkflowMs
        ? [`| \`SessionClient.start\`, worker whose workflows each build their own schemas (the code before shared-schemas.ts), same run | ${ms(result.startSchemasPerWorkflowMs.median)} / ${ms(result.startSchemasPerWorkflowMs.p95)} |`]
        : []),
      '',
      `One long chat session of ${long.plannedTurns} text turns (one model call each) at ${long.modelLatencyMs} ms model latency (${long.turnsCompleted} completed, ${long.runs} run(s) in its chain). Overhead per turn over the ${10} turns ending at each point:`,
      '',
      '| at turn | turns | Keel overhead p50 / p95 | plain loop, same turns, p50 / p95 | durability cost (Keel - plain, p50) |',
      '| --- | --- | --- | --- | --- |',
      ...long.windows.map(
        (window) =>
          `| ${window.turn} | ${window.window[0]}-${window.window[1]} | ${ms(window.overheadMs.median)} / ${ms(window.overheadMs.p95)} | ${window.plainOverheadMs ? `${ms(window.plainOverheadMs.median)} / ${ms(window.plainOverheadMs.p95)}` : 'n/a'} | ${ms(window.durabilityCostMs)} |`,
      ),
      '',
      `Last point over first (p50): Keel's overhead ${long.lastOverFirst?.toFixed(2) ?? 'n/a'}; the durability cost alone ${long.durabilityLastOverFirst?.toFixed(2) ?? 'n/a'}. The plain loop runs the same conversation in the same process run, after Keel's: what grows with the conversation there (the whole of it is sent, serialised and parsed at every turn) grows for any agent loop.`,
      long.continueAsNewTurnOverheadMs
        ? `Turns during which a continue-as-new happened (${long.continueAsNewTurnOverheadMs.n}): overhead p50 ${ms(long.continueAsNewTurnOverheadMs.median)}, p99 ${ms(long.continueAsNewTurnOverheadMs.p99)}.`
        : 'The session made no continue-as-new in this build.',
      ...(long.failure ? ['', `The long session stopped early, ${long.failure}`] : []),
    ].join('\n');
  },
});

