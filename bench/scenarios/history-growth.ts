/**
 * 3. History growth: history bytes after 50, 100 and 200 turns with 10 KB of tool output a turn, for a Keel session
 * and for the naive durable loop that passes the whole transcript to every model activity (a bench-only workflow).
 * Keel runs on the bench's dev server with default limits, as a user's would; the naive loop needs its own server
 * with the history and payload limits raised, or it could not reach 200 turns at all.
 */
import { randomUUID } from 'node:crypto';
import { startBenchServer } from '../lib/bench-server.js';
import { benchModel } from '../lib/bench-profiles.js';
import { openingMessage } from '../lib/keel-conversation.js';
import { chainSize, fetchHistoryChain, historyBytes } from '../lib/history-bytes.js';
import { defineScenario, withTimeout } from '../lib/scenario.js';
import { ratio } from '../lib/stats.js';
import { benchOutputBytes, benchOutputToolName } from '../lib/bench-tools.js';
import type { NaiveLoopInput } from '../workflows/naive-loop-workflow.js';
import proto from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;

export interface HistoryPoint {
  turns: number;
  keelBytes: number | undefined;
  keelRuns: number | undefined;
  keelLatestRunBytes: number | undefined;
  naiveBytes: number | undefined;
  /** naive / Keel */
  naiveOverKeel: number | undefined;
}

export interface HistoryGrowthResult {
  toolOutputBytes: number;
  variant: string;
  points: HistoryPoint[];
  keelFailure?: string;
  naiveFailure?: string;
  /** Bytes a turn adds, from the last two points (linear growth keeps this flat). */
  keelBytesPerTurnEarly: number | undefined;
  keelBytesPerTurnLate: number | undefined;
  naiveBytesPerTurnEarly: number | undefined;
  naiveBytesPerTurnLate: number | undefined;
  naiveServerLimits: Record<string, number>;
}

/** Limits raised for the naive loop only (its history passes 200 MB and its payloads 2 MB at 200 turns). */
const raisedLimits = {
  'limit.blobSize.error': 512 * 1024 * 1024,
  'limit.blobSize.warn': 512 * 1024 * 1024,
  'limit.historySize.error': 4 * 1024 * 1024 * 1024,
  'limit.historySize.warn': 4 * 1024 * 1024 * 1024,
  'limit.historyCount.error': 1_000_000,
  'limit.historyCount.warn': 1_000_000,
};

const perTurn = (low: { turns: number; bytes?: number }, high: { turns: number; bytes?: number }): number | undefined =>
  low.bytes !== undefined && high.bytes !== undefined ? Math.round((high.bytes - low.bytes) / (high.turns - low.turns)) : undefined;

export const historyGrowthScenario = defineScenario<HistoryGrowthResult>({
  name: 'history-growth',
  title: '3. History growth: Keel vs the naive loop, 10 KB of tool output a turn',
  async run(context, mode) {
    const checkpoints = mode.quick ? [3, 6, 10] : [50, 100, 200];
    const toolOutputBytes = benchOutputBytes;
    const lastTurn = checkpoints[checkpoints.length - 1];
    const model = await context.startModel({ latencyMs: 0 });

    // Keel: one chat session with the 10 KB tool enabled; each turn, the model calls it once.
    const keelAt = new Map<number, { bytes: number; runs: number; latest: number }>();
    let keelFailure: string | undefined;
    {
      const { sessions } = await context.startWorker({ modelUrl: model.url });
      const workflowId = `bench-history-${randomUUID()}`;
      try {
        let handle = (
          await sessions.startAndSend(
            { profile: 'bench', mode: 'chat', system: 'bench history', messages: [{ role: 'user', content: openingMessage }], tools: [benchOutputToolName] },
            { content: 'Turn 1: run the tool.' },
            { workflowId },
          )
        ).handle;
        for (let turn = 1; turn <= lastTurn; turn += 1) {
          if (turn > 1) await withTimeout(handle.sendMessage(`Turn ${turn}: run the tool.`), 60_000, `Keel turn ${turn}`);
          if (checkpoints.includes(turn)) {
            const size = await chainSize(context.server.historyClient, workflowId);
            keelAt.set(turn, { bytes: size.totalBytes, runs: size.runs, latest: size.latestRunBytes });
            context.log(`history growth: Keel after ${turn} turns: ${(size.totalBytes / 1024 ** 2).toFixed(2)} MiB in ${size.runs} run(s)`);
          }
        }
        handle = sessions.getHandle(workflowId);
        await handle.cancel();
      } catch (error) {
        const description = await context.server.client.workflow.getHandle(workflowId).describe().catch(() => undefined);
        keelFailure = `${error instanceof Error ? error.message : String(error)} (workflow status: ${description?.status.name ?? 'unknown'})`;
        context.log(`history growth: Keel failed: ${keelFailure}`);
      }
    }

    // The naive loop on a server whose limits let it reach the last checkpoint.
    const naiveAt = new Map<number, number>();
    let naiveFailure: string | undefined;
    {
      const naiveServer = await startBenchServer({ dynamicConfig: raisedLimits });
      context.defer(() => naiveServer.close());
      const { taskQueue } = await context.startWorker({ modelUrl: model.url, kind: 'naive', server: naiveServer });
      const workflowId = `bench-naive-${randomUUID()}`;
      const input: NaiveLoopInput = {
        turns: lastTurn,
        toolOutputBytes,
        model: benchModel,
        system: 'bench history naive',
        firstMessage: openingMessage,
        toolName: benchOutputToolName,
      };
      try {
        const handle = await naiveServer.client.workflow.start('naiveLoopWorkflow', { taskQueue, workflowId, args: [input] });
        await withTimeout(handle.result(), mode.quick ? 60_000 : 900_000, 'the naive loop');
        const [history] = await fetchHistoryChain(naiveServer.historyClient, workflowId);
        // The history after turn k ends with the k-th tool activity's completion.
        const events = history.events ?? [];
        const toolScheduled = new Set(
          events
            .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'produceToolOutput')
            .map((event) => Number(event.eventId)),
        );
        let toolCompletions = 0;
        events.forEach((event, index) => {
          if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) return;
          if (!toolScheduled.has(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId))) return;
          toolCompletions += 1;
          if (checkpoints.includes(toolCompletions)) naiveAt.set(toolCompletions, historyBytes({ events: events.slice(0, index + 1) }));
        });
        context.log(`history growth: naive after ${lastTurn} turns: ${((naiveAt.get(lastTurn) ?? 0) / 1024 ** 2).toFixed(2)} MiB`);
      } catch (error) {
        naiveFailure = error instanceof Error ? error.message : String(error);
        context.log(`history growth: naive loop failed: ${naiveFailure}`);
      }
    }

    const points: HistoryPoint[] = checkpoints.map((turns) => {
      const keel = keelAt.get(turns);
      const naive = naiveAt.get(turns);
      return {
        turns,
        keelBytes: keel?.bytes,
        keelRuns: keel?.runs,
        keelLatestRunBytes: keel?.latest,
        naiveBytes: naive,
        naiveOverKeel: keel && naive ? ratio(naive, keel.bytes) : undefined,
      };
    });
    const series = (pick: (point: HistoryPoint) => number | undefined) => points.map((point) => ({ turns: point.turns, bytes: pick(point) }));
    const keelSeries = series((point) => point.keelBytes);
    const naiveSeries = series((point) => point.naiveBytes);
    return {
      toolOutputBytes,
      variant: `tool-using turns in both: a user message, a model call asking for \`${benchOutputToolName}\`, the tool returning 10 KB, a model call answering`,
      points,
      ...(keelFailure ? { keelFailure } : {}),
      ...(naiveFailure ? { naiveFailure } : {}),
      keelBytesPerTurnEarly: perTurn(keelSeries[0], keelSeries[1]),
      keelBytesPerTurnLate: perTurn(keelSeries[1], keelSeries[2]),
      naiveBytesPerTurnEarly: perTurn(naiveSeries[0], naiveSeries[1]),
      naiveBytesPerTurnLate: perTurn(naiveSeries[1], naiveSeries[2]),
      naiveServerLimits: raisedLimits,
    };
  },
  describe(result) {
    const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1024 ** 2).toFixed(2)} MiB`);
    const kb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1024).toFixed(1)} KiB`);
    return [
      `Variant: ${result.variant}. History bytes are the encoded protobuf events of every run (a continue-as-new chain counts whole).`,
      '',
      '| turns | Keel history | Keel runs | Keel latest run | naive loop history | naive / Keel |',
      '| --- | --- | --- | --- | --- | --- |',
      ...result.points.map(
        (point) => `| ${point.turns} | ${mb(point.keelBytes)} | ${point.keelRuns ?? 'n/a'} | ${mb(point.keelLatestRunBytes)} | ${mb(point.naiveBytes)} | ${point.naiveOverKeel !== undefined ? `${point.naiveOverKeel.toFixed(1)}x` : 'n/a'} |`,
      ),
      '',
      `Bytes added per turn, between the first two and the last two points: Keel ${kb(result.keelBytesPerTurnEarly)} then ${kb(result.keelBytesPerTurnLate)}; naive loop ${kb(result.naiveBytesPerTurnEarly)} then ${kb(result.naiveBytesPerTurnLate)} (flat means linear in turns).`,
      ...(result.keelFailure ? ['', `Keel did not reach the last point: ${result.keelFailure}`] : []),
      ...(result.naiveFailure ? ['', `The naive loop did not reach the last point: ${result.naiveFailure}`] : []),
      '',
      `The naive loop ran on a second dev server with raised limits (${Object.entries(result.naiveServerLimits).map(([key, value]) => `${key}=${value}`).join(', ')}); under the defaults (50 MB history, 2 MB payload) it would be stopped long before 200 turns.`,
    ].join('\n');
  },
});
