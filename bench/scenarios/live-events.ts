/**
 * 11. Live events: what a subscriber of `SessionHandle.events()` sees of a streaming reply against a direct SDK
 * stream from the same model server (time to first token, token throughput), at 1, 100 and 1,000 subscribers of
 * one session in one client process, over the local hub, Redis and PostgreSQL; what publishing the same deltas
 * through Temporal itself (signals) would cost in history and workflow tasks; and the history of a 50-turn session
 * streamed against the same session unstreamed.
 */
import Anthropic from '@anthropic-ai/sdk';
import { randomUUID } from 'node:crypto';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { startPostgresServer } from '../../src/dev/postgres-server.js';
import { startRedisServer } from '../../src/dev/redis-server.js';
import type { EventsSettings } from '../../src/events/events-settings.js';
import type { SessionEventEnvelope } from '../../src/shared/schemas/session-event.js';
import type { BenchContext, StartedWorker } from '../lib/bench-context.js';
import { benchModel } from '../lib/bench-profiles.js';
import { requestSystem } from '../lib/bench-responder.js';
import { chainSize } from '../lib/history-bytes.js';
import { defineScenario, withTimeout } from '../lib/scenario.js';
import { ratio, summarize, type Summary } from '../lib/stats.js';

/** The reply: 2,400 characters, which the scripted server streams as deltas of 12. */
const streamText = Array.from({ length: 300 }, (_, index) => `tok${String(index).padStart(3, '0')}, `).join('');
const replyCharacters = streamText.length;
const firstByteMs = 200;
const chunkDelayMs = 2;

interface StreamSample {
  /** From the request (direct) or the session's start (events) to the first text delta, ms. */
  firstTokenMs: number;
  /** From the model server's receipt of the request to the first text delta at the subscriber, ms. */
  firstTokenAfterRequestMs: number;
  /** Characters per second from the first delta to the last. */
  charactersPerSecond: number;
}

export interface StreamComparison {
  transport: string;
  subscribers: number;
  repetitions: number;
  direct: { firstTokenMs: Summary; firstTokenAfterRequestMs: Summary; charactersPerSecond: Summary };
  /** Over every subscriber of every repetition. */
  events: { firstTokenMs: Summary; firstTokenAfterRequestMs: Summary; charactersPerSecond: Summary };
  /** events / direct, medians: from the caller's start, and from the model request's receipt. */
  firstTokenRatio: number | undefined;
  firstTokenAfterRequestRatio: number | undefined;
  throughputRatio: number | undefined;
}

export interface SignalCost {
  deltas: number;
  perDelta: { signals: number; historyBytes: number; workflowTasks: number };
  batched100ms: { signals: number; historyBytes: number; workflowTasks: number };
}

export interface LiveEventsResult {
  replyCharacters: number;
  firstByteMs: number;
  chunkDelayMs: number;
  comparisons: StreamComparison[];
  temporalSignals: SignalCost | undefined;
  history: { turns: number; streamedBytes: number; unstreamedBytes: number; streamedEvents: number; unstreamedEvents: number; ratio: number | undefined };
}

/** When the model server received the request whose system prompt is `system` (wall clock, ms). */
type RequestTimes = (system: string) => number | undefined;

async function directStream(modelUrl: string, requestTimes: RequestTimes): Promise<StreamSample> {
  const client = new Anthropic({ apiKey: 'bench-key', baseURL: modelUrl, maxRetries: 0 });
  const system = `bench direct ${randomUUID()}`;
  const started = performance.now();
  let firstWallClock = 0;
  let first: number | undefined;
  let last = started;
  let characters = 0;
  const stream = client.messages.stream({ model: benchModel, max_tokens: 4096, system, messages: [{ role: 'user', content: 'Stream, please.' }] });
  stream.on('text', (text) => {
    if (first === undefined) firstWallClock = Date.now();
    first ??= performance.now();
    last = performance.now();
    characters += text.length;
  });
  await stream.finalMessage();
  if (characters !== replyCharacters) throw new Error(`direct stream: ${characters} characters, expected ${replyCharacters}`);
  return { firstTokenMs: (first ?? last) - started, firstTokenAfterRequestMs: firstWallClock - (requestTimes(system) ?? firstWallClock), charactersPerSecond: (characters * 1000) / Math.max(1, last - (first ?? last)) };
}

/** One session, `subscribers` subscribers of its events from its start; a sample per subscriber. */
async function eventsStream(worker: StartedWorker, subscribers: number, requestTimes: RequestTimes): Promise<StreamSample[]> {
  const system = `bench live events ${randomUUID()}`;
  const started = performance.now();
  const handle = await worker.sessions.start({ profile: 'bench', system, messages: [{ role: 'user', content: 'Stream, please.' }] });
  const follow = async (): Promise<StreamSample> => {
    let first: number | undefined;
    let firstWallClock = 0;
    let last = started;
    let text = '';
    for await (const event of handle.events() as AsyncIterable<SessionEventEnvelope>) {
      if (event.event === 'retry') text = '';
      if (event.event !== 'text_delta') continue;
      if (first === undefined) firstWallClock = Date.now();
      first ??= performance.now();
      last = performance.now();
      text += event.data.text;
    }
    if (text !== streamText) throw new Error(`events: ${text.length} characters, expected ${replyCharacters}`);
    return { firstTokenMs: (first ?? last) - started, firstTokenAfterRequestMs: firstWallClock - (requestTimes(system) ?? firstWallClock), charactersPerSecond: (text.length * 1000) / Math.max(1, last - (first ?? last)) };
  };
  return withTimeout(Promise.all(Array.from({ length: subscribers }, follow)), 120_000, `${subscribers} subscribers`);
}

async function compare(context: BenchContext, model: ScriptedModelServer, worker: StartedWorker, transport: string, subscribers: number, repetitions: number): Promise<StreamComparison> {
  const modelUrl = model.url;
  const requestTimes: RequestTimes = (system) => model.requests.find((request) => requestSystem(request).includes(system))?.receivedAt;
  const direct: StreamSample[] = [];
  const events: StreamSample[] = [];
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    // Alternating which side goes first, so that load drifting during the run hits both alike.
    if (repetition % 2 === 0) {
      direct.push(await directStream(modelUrl, requestTimes));
      events.push(...(await eventsStream(worker, subscribers, requestTimes)));
    } else {
      events.push(...(await eventsStream(worker, subscribers, requestTimes)));
      direct.push(await directStream(modelUrl, requestTimes));
    }
  }
  const pick = (samples: StreamSample[]) => ({
    firstTokenMs: summarize(samples.map((sample) => sample.firstTokenMs)),
    firstTokenAfterRequestMs: summarize(samples.map((sample) => sample.firstTokenAfterRequestMs)),
    charactersPerSecond: summarize(samples.map((sample) => sample.charactersPerSecond)),
  });
  const result = { transport, subscribers, repetitions, direct: pick(direct), events: pick(events) };
  const comparison: StreamComparison = {
    ...result,
    firstTokenRatio: ratio(result.events.firstTokenMs.median, result.direct.firstTokenMs.median),
    firstTokenAfterRequestRatio: ratio(result.events.firstTokenAfterRequestMs.median, result.direct.firstTokenAfterRequestMs.median),
    throughputRatio: ratio(result.events.charactersPerSecond.median, result.direct.charactersPerSecond.median),
  };
  context.log(
    `live events: ${transport}, ${subscribers} subscriber(s): first token ${result.events.firstTokenMs.median.toFixed(0)} ms vs direct ${result.direct.firstTokenMs.median.toFixed(0)} ms ` +
      `(after the model request: ${result.events.firstTokenAfterRequestMs.median.toFixed(0)} vs ${result.direct.firstTokenAfterRequestMs.median.toFixed(0)} ms); ` +
      `${result.events.charactersPerSecond.median.toFixed(0)} vs ${result.direct.charactersPerSecond.median.toFixed(0)} characters/s`,
  );
  return comparison;
}

/** History bytes and workflow tasks that publishing one reply's deltas as signals to its session adds. */
async function signalCost(context: BenchContext, worker: StartedWorker, deltas: string[], deltaIntervalMs: number): Promise<SignalCost> {
  const measure = async (batchMs: number) => {
    const workflowId = `bench-signals-${randomUUID()}`;
    const { handle } = await worker.sessions.startAndSend(
      { profile: 'bench', mode: 'chat', system: 'bench live events signals', messages: [{ role: 'user', content: 'Hello.' }] },
      { content: 'Wait for the stream.' },
      { workflowId },
    );
    const completedTasks = async () =>
      ((await handle.workflow.fetchHistory()).events ?? []).filter((event) => event.workflowTaskCompletedEventAttributes).length;
    const before = await chainSize(context.server.historyClient, workflowId);
    const tasksBefore = await completedTasks();
    let signals = 0;
    let batch: string[] = [];
    let batchStarted = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      signals += 1;
      await handle.workflow.signal('keelStreamDelta', { turn: 1, deltas: batch });
      batch = [];
    };
    for (const [index, delta] of deltas.entries()) {
      const elapsed = index * deltaIntervalMs;
      if (batch.length === 0) batchStarted = elapsed;
      batch.push(delta);
      if (batchMs === 0 || elapsed - batchStarted >= batchMs) await flush();
    }
    await flush();
    // Let the workflow tasks the signals caused complete.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await chainSize(context.server.historyClient, workflowId);
    const workflowTasks = (await completedTasks()) - tasksBefore;
    await handle.cancel();
    return { signals, historyBytes: after.totalBytes - before.totalBytes, workflowTasks };
  };
  return { deltas: deltas.length, perDelta: await measure(0), batched100ms: await measure(100) };
}

async function historyOf(worker: StartedWorker, context: BenchContext, turns: number): Promise<{ bytes: number; events: number }> {
  const workflowId = `bench-live-history-${randomUUID()}`;
  const { handle } = await worker.sessions.startAndSend(
    { profile: 'bench', mode: 'chat', system: 'bench live events history', messages: [{ role: 'user', content: 'Hello.' }] },
    { content: 'Turn 1.' },
    { workflowId },
  );
  for (let turn = 2; turn <= turns; turn += 1) await withTimeout(handle.sendMessage(`Turn ${turn}.`), 60_000, `turn ${turn}`);
  const size = await chainSize(context.server.historyClient, workflowId);
  await handle.cancel();
  return { bytes: size.totalBytes, events: size.events };
}

export const liveEventsScenario = defineScenario<LiveEventsResult>({
  name: 'live-events',
  title: '11. Live events: SessionHandle.events() against a direct SDK stream; history streamed vs unstreamed',
  async run(context, mode) {
    const repetitions = mode.quick ? 1 : 3;
    const levels = mode.quick ? [1, 10] : [1, 100, 1000];
    const model = await startScriptedModelServer({
      latencyMs: firstByteMs,
      responder: () => ({ kind: 'message', chunkDelayMs, content: [{ type: 'text', text: streamText }] }),
    });
    context.defer(() => model.close());

    const comparisons: StreamComparison[] = [];
    const local = await context.startWorker({ modelUrl: model.url });
    for (const subscribers of levels) comparisons.push(await compare(context, model, local, 'local hub', subscribers, repetitions));

    const redis = await startRedisServer();
    context.defer(() => redis.stop());
    const overRedis = await context.startWorker({ modelUrl: model.url, events: { kind: 'redis', url: redis.url } });
    for (const subscribers of levels) comparisons.push(await compare(context, model, overRedis, 'Redis', subscribers, repetitions));

    const postgres = await startPostgresServer();
    context.defer(() => postgres.stop());
    const postgresSettings: EventsSettings = { kind: 'postgres', url: postgres.url };
    const overPostgres = await context.startWorker({ modelUrl: model.url, events: postgresSettings });
    for (const subscribers of levels) comparisons.push(await compare(context, model, overPostgres, 'PostgreSQL', subscribers, repetitions));

    // The deltas one reply makes, as the scripted server cuts them, one every chunkDelayMs.
    const deltas = streamText.match(/.{1,12}/gs) ?? [];
    const temporalSignals = await signalCost(context, local, deltas, chunkDelayMs).catch((error: unknown) => {
      context.log(`live events: signal cost failed: ${String(error)}`);
      return undefined;
    });

    // A 50-turn chat, text turns at no model latency, on a worker that streams and one that does not.
    const turns = mode.quick ? 5 : 50;
    const quickModel = await context.startModel({ latencyMs: 0 });
    const streamed = await historyOf(await context.startWorker({ modelUrl: quickModel.url }), context, turns);
    const unstreamed = await historyOf(await context.startWorker({ modelUrl: quickModel.url, events: false }), context, turns);
    context.log(`live events: ${turns}-turn history streamed ${streamed.bytes} B, unstreamed ${unstreamed.bytes} B`);
    return {
      replyCharacters,
      firstByteMs,
      chunkDelayMs,
      comparisons,
      temporalSignals,
      history: {
        turns,
        streamedBytes: streamed.bytes,
        unstreamedBytes: unstreamed.bytes,
        streamedEvents: streamed.events,
        unstreamedEvents: unstreamed.events,
        ratio: ratio(streamed.bytes, unstreamed.bytes),
      },
    };
  },
  describe(result) {
    const x = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}x`);
    const signals = result.temporalSignals;
    return [
      `A reply of ${result.replyCharacters} characters, streamed by the scripted model server as deltas of 12 characters ${result.chunkDelayMs} ms apart, after ${result.firstByteMs} ms to the first byte. ` +
        'Direct: the Anthropic SDK streaming from that server in the bench process, first token timed from the request. Events: a task session started from the bench process, ' +
        'its subscribers reading `SessionHandle.events()` in the same process (one shared feed), first token timed from the start call, so it includes starting the session and scheduling its model call.',
      '',
      '| transport | subscribers | first token from the start call, events (median, p95) | direct | ratio | from the model request, events (median, p95) | direct | ratio | characters/s, events (median) | direct | ratio |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...result.comparisons.map(
        (row) =>
          `| ${row.transport} | ${row.subscribers} | ${row.events.firstTokenMs.median.toFixed(0)} ms, ${row.events.firstTokenMs.p95.toFixed(0)} ms | ${row.direct.firstTokenMs.median.toFixed(0)} ms | ${x(row.firstTokenRatio)} | ` +
          `${row.events.firstTokenAfterRequestMs.median.toFixed(0)} ms, ${row.events.firstTokenAfterRequestMs.p95.toFixed(0)} ms | ${row.direct.firstTokenAfterRequestMs.median.toFixed(0)} ms | ${x(row.firstTokenAfterRequestRatio)} | ` +
          `${row.events.charactersPerSecond.median.toFixed(0)} | ${row.direct.charactersPerSecond.median.toFixed(0)} | ${x(row.throughputRatio)} |`,
      ),
      '',
      signals
        ? `Temporal-native publishing, measured: the same ${signals.deltas} deltas sent as signals to a waiting session add ${signals.perDelta.historyBytes} bytes of history and ${signals.perDelta.workflowTasks} workflow tasks (${signals.perDelta.signals} signals, one a delta); batched every 100 ms, ${signals.batched100ms.historyBytes} bytes and ${signals.batched100ms.workflowTasks} workflow tasks (${signals.batched100ms.signals} signals). Keel's transports add none.`
        : 'Temporal-native publishing: not measured in this run.',
      '',
      `History of a ${result.history.turns}-turn chat: streamed ${result.history.streamedBytes} bytes (${result.history.streamedEvents} events), unstreamed ${result.history.unstreamedBytes} bytes (${result.history.unstreamedEvents} events): ${x(result.history.ratio)}.`,
    ].join('\n');
  },
});
