/**
 * 12. Live output through `keel serve`: time to first token and token throughput seen by clients of the HTTP
 * API's event stream (SSE), at 1, 100 and 1,000 concurrent subscribers of one session, against a direct stream of
 * the same model server through the Anthropic SDK. The model answers after a fixed latency with a long text in
 * many small chunks, so the model's own pace is known. The API and the model server run in this process; the
 * readers of both sides run in processes of their own (`stream-reader-pool.ts`), split evenly among them.
 *
 * Time to first token: from the request (the SDK call; the API's `POST /v1/sessions`) to the first text delta a
 * client reads. Throughput: characters a client read per second between its first and its last text delta, on
 * both sides alike. The turn's end comes after that on Keel's side (the activity completes, the workflow records
 * the reply, then `turn_end` is published): measured apart, as the time from the last delta to `turn_end`. A client
 * whose first delta comes late gets the text so far at once, so its pace says little: the time until it holds the
 * whole text (from the request) is reported beside it.
 */
import { SessionClient } from '../../src/client/session-client.js';
import { startScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { startHttpApi } from '../../src/http/start-http-api.js';
import { benchModel } from '../lib/bench-profiles.js';
import { defineScenario, ms, withTimeout } from '../lib/scenario.js';
import { summarize, type Summary } from '../lib/stats.js';
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { eventsSettingsFromEnvironment, openEventSource } from '../../src/events/events-settings.js';
import { epochNow, type StreamRead } from '../lib/stream-readers.js';
import { StreamReaderPool } from '../lib/stream-reader-pool.js';

/** The model's latency before its first byte, ms: a real model's time to first token is of this order. */
const MODEL_LATENCY_MS = 500;
/** Pause between the stream's events, ms. */
const CHUNK_DELAY_MS = 2;
const reply = Array.from({ length: 300 }, (_, index) => `token${index} `).join('');
/** Processes the readers are split among: one a core of this machine's two, beside the API's and the worker's. */
const READER_PROCESSES = 2;

/** When each step before a client's first token happened, ms after `POST /v1/sessions` was sent. */
export type Timeline = Array<{ step: string; atMs: number }>;

interface Side {
  firstTokenMs: Summary;
  /** From the request to the last text delta read: the whole text in hand. */
  lastTokenMs?: Summary;
  charactersPerSecond: Summary;
  /** Keel's side: from a client's last text delta to its `turn_end` event. */
  turnEndAfterTextMs?: Summary;
}

export interface HttpStreamResult {
  modelLatencyMs: number;
  replyCharacters: number;
  direct: Side;
  bySubscribers: Array<{
    subscribers: number;
    keelServe: Side;
    /** Against one direct stream (the issue's target). */
    firstTokenRatio: number;
    throughputRatio: number;
    /** The whole text in hand, against one direct stream: what a client that joins late or reads a burst still waits. */
    lastTokenRatio?: number;
    /** As many direct streams at once as there are clients. */
    directAtCount: Side;
    firstTokenRatioAtCount: number;
    throughputRatioAtCount: number;
  }>;
  /** The steps before the first token of one session with one client. */
  timeline: Timeline;
  /** The steps from that client's last text delta to its `turn_end`, ms after the last delta. */
  endTimeline?: Timeline;
}

const epochMs = (time: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  time ? Number(time.seconds) * 1000 + (time.nanos ?? 0) / 1e6 : Number.NaN;

/** The session's own steps from its history (the dev server's clock is this machine's), ms after `postedAt` (epoch ms). */
async function historySteps(client: Client, id: string, postedAt: number): Promise<Timeline> {
  const history = await client.workflow.getHandle(id).fetchHistory();
  const events = history.events ?? [];
  const at = (event: (typeof events)[number] | undefined) => epochMs(event?.eventTime as { seconds?: unknown; nanos?: number }) - postedAt;
  const scheduled = events.find((event) => event.activityTaskScheduledEventAttributes);
  const started = events.find((event) => event.activityTaskStartedEventAttributes && Number(event.activityTaskStartedEventAttributes.scheduledEventId) === Number(scheduled?.eventId));
  const activity = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity';
  return [
    { step: 'workflow started (history)', atMs: at(events[0]) },
    { step: 'first workflow task started', atMs: at(events.find((event) => event.workflowTaskStartedEventAttributes)) },
    { step: 'first workflow task completed', atMs: at(events.find((event) => event.workflowTaskCompletedEventAttributes)) },
    { step: `${activity} scheduled`, atMs: at(scheduled) },
    { step: `${activity} started`, atMs: at(started) },
  ];
}

/** The history's events from a model call's completion to the end of the workflow task that recorded it (epoch ms). */
async function endSteps(client: Client, id: string): Promise<Array<{ step: string; epochMs: number }>> {
  const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const at = (event: (typeof events)[number] | undefined) => epochMs(event?.eventTime as { seconds?: unknown; nanos?: number });
  const completedIndex = events.findIndex((event) => event.activityTaskCompletedEventAttributes);
  const after = events.slice(completedIndex + 1);
  const started = events.filter((event) => event.activityTaskStartedEventAttributes);
  return [
    { step: 'callModel started (history)', epochMs: at(started[0]) },
    { step: 'callModel completed (history)', epochMs: at(events[completedIndex]) },
    { step: 'the workflow task after it started (history)', epochMs: at(after.find((event) => event.workflowTaskStartedEventAttributes)) },
    { step: 'the workflow task after it completed (history)', epochMs: at(after.find((event) => event.workflowTaskCompletedEventAttributes)) },
  ];
}

export const httpStreamScenario = defineScenario<HttpStreamResult>({
  name: 'http-stream',
  title: 'Live output through keel serve: time to first token and throughput per subscriber',
  inQuickRuns: false,
  async run(context, mode) {
    // When each model request came in (epoch ms): the session's call is the one after its POST.
    const modelRequests: number[] = [];
    const model = await startScriptedModelServer({
      latencyMs: MODEL_LATENCY_MS,
      responder: () => {
        modelRequests.push(Date.now());
        return { kind: 'message', chunkDelayMs: CHUNK_DELAY_MS, content: [{ type: 'text', text: reply }] };
      },
    });
    context.defer(() => model.close());

    const readers = await StreamReaderPool.start(READER_PROCESSES);
    context.defer(() => readers.close());
    /** `count` direct calls at once, each read by the SDK in a reader process. */
    const directCalls = async (count: number, label: string): Promise<StreamRead[]> => {
      const reads = await readers.read(count, { kind: 'direct', modelUrl: model.url, model: benchModel, label, expectedText: reply });
      if (reads.some((read) => !read.textMatches)) throw new Error('a direct stream read another text than the reply');
      return reads;
    };
    const sideOf = (reads: StreamRead[]): Side => ({
      firstTokenMs: summarize(reads.map((read) => read.firstTokenMs)),
      lastTokenMs: summarize(reads.map((read) => read.lastTokenMs)),
      charactersPerSecond: summarize(reads.map((read) => read.charactersPerSecond)),
    });
    // The baseline: one call at a time, after one call unmeasured (as the Keel side runs one session unmeasured first).
    await directCalls(1, 'direct warm-up');
    // The calls it is measured on alternate with the one-client sessions below, so that the machine's load hits both alike.
    const directReads: StreamRead[] = [];
    let direct: Side | undefined;

    const { taskQueue } = await context.startWorker({ modelUrl: model.url });
    const sessions = new SessionClient({ client: context.server.client, taskQueue });
    const api = await startHttpApi({ sessions, port: 0, maxStreamsPerToken: 5_000 });
    context.defer(async () => {
      await api.close();
      // Both wait for their Temporal calls: the run may close its connection next.
      await sessions.eventFeed().close();
    });

    // A tap on the transport beside the API's feed (one more loopback connection to the worker's hub): when the
    // first delta reached this process, before the feed and the HTTP stream handled it.
    const tap = openEventSource(eventsSettingsFromEnvironment());
    context.defer(() => tap.close());

    /** One session started through the API, read by `subscribers` clients to its turn's end. */
    const streamSession = async (subscribers: number) => {
      const id = `session-${randomUUID()}`;
      let tappedMs = Number.NaN;
      const startedAt = epochNow();
      const untap = tap.subscribe(id, {
        onRecord: (record) => {
          if ('envelope' in record && record.envelope.event === 'text_delta' && Number.isNaN(tappedMs)) tappedMs = epochNow() - startedAt;
        },
        onCaughtUp: () => undefined,
      });
      const postedAt = Date.now();
      const created = await fetch(`${api.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, profile: 'bench', messages: [{ role: 'user', content: `stream to ${subscribers}` }] }),
      });
      const createdMs = epochNow() - startedAt;
      if (created.status !== 201) throw new Error(`POST /v1/sessions: HTTP ${created.status}`);
      const reads = await withTimeout(
        readers.read(subscribers, { kind: 'events', url: `${api.url}/v1/sessions/${id}/events`, startedAt, expectedText: reply }),
        300_000,
        `${subscribers} subscribers`,
      );
      if (reads.some((read) => !read.textMatches)) throw new Error('a subscriber read another text than the reply');
      await sessions.getHandle(id).result();
      untap();
      const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}/${summarize(values).median.toFixed(0)}/${Math.max(...values).toFixed(0)} ms`;
      context.log(
        `${subscribers} clients: first delta in this process ${tappedMs.toFixed(0)} ms; connected (min/median/max) ${spread(reads.map((read) => read.connectedMs ?? Number.NaN))}; first token ${spread(reads.map((read) => read.firstTokenMs))}`,
      );
      return { id, postedAt, createdMs, tappedMs, reads };
    };

    // One session unmeasured: the worker's first workflow task loads its workflow code, the API its routes.
    await streamSession(1);

    const bySubscribers: HttpStreamResult['bySubscribers'] = [];
    let timeline: Timeline = [];
    let endTimeline: Timeline = [];
    for (const subscribers of mode.quick ? [1, 10] : [1, 100, 1_000]) {
      context.log(`keel serve: ${subscribers} subscribers`);
      // The same number of clients each streaming straight from the model server at once: what that many readers
      // cost this machine without Keel (connections, parsing), beside the headline ratio to one direct stream.
      const directAtCount =
        subscribers === 1 ? undefined : sideOf(await withTimeout(directCalls(subscribers, `direct ${subscribers}`), 300_000, `${subscribers} direct streams`));
      // One client reads several sessions in turn, each after a direct call; more clients read one session.
      const reads: StreamRead[] = [];
      for (let run = 0; run < (subscribers === 1 ? (mode.quick ? 3 : 15) : 1); run += 1) {
        if (subscribers === 1) directReads.push(...(await directCalls(1, `direct ${run}`)));
        const session = await streamSession(subscribers);
        reads.push(...session.reads);
        if (subscribers === 1) {
          const read = session.reads[0]!;
          const modelRequestAt = (modelRequests.find((at) => at >= session.postedAt) ?? Number.NaN) - session.postedAt;
          timeline = [
            { step: 'POST /v1/sessions answered (workflow start call returned)', atMs: session.createdMs },
            ...(await historySteps(context.server.client, session.id, session.postedAt)),
            { step: 'model request received by the model server', atMs: modelRequestAt },
            { step: "model server's first byte (request + its latency)", atMs: modelRequestAt + MODEL_LATENCY_MS },
            { step: 'client connected (SSE response headers read)', atMs: read.connectedMs ?? Number.NaN },
            { step: 'first delta reached the API process (the transport)', atMs: session.tappedMs },
            { step: 'first text delta read by the client', atMs: read.firstTokenMs },
          ].sort((a, b) => a.atMs - b.atMs);
          context.log(`one client: ${timeline.map((row) => `${row.step} ${row.atMs.toFixed(0)} ms`).join('; ')}`);
          endTimeline = [
            { step: 'last text delta read by the client', atMs: 0 },
            ...(await endSteps(context.server.client, session.id)).map((row) => ({ step: row.step, atMs: row.epochMs - (read.lastDeltaEpochMs ?? Number.NaN) })),
            { step: 'turn_end read by the client', atMs: read.turnEndAfterTextMs ?? Number.NaN },
          ].sort((a, b) => a.atMs - b.atMs);
          context.log(`one client, after the text: ${endTimeline.map((row) => `${row.step} ${row.atMs.toFixed(0)} ms`).join('; ')}`);
        }
      }
      const keelServe: Side = {
        firstTokenMs: summarize(reads.map((read) => read.firstTokenMs)),
        lastTokenMs: summarize(reads.map((read) => read.lastTokenMs)),
        charactersPerSecond: summarize(reads.map((read) => read.charactersPerSecond)),
        turnEndAfterTextMs: summarize(reads.map((read) => read.turnEndAfterTextMs ?? Number.NaN)),
      };
      // The first row (one client) has just made the direct calls the baseline is measured on.
      direct ??= sideOf(directReads);
      const atCount = directAtCount ?? direct;
      bySubscribers.push({
        subscribers,
        keelServe,
        firstTokenRatio: keelServe.firstTokenMs.median / direct.firstTokenMs.median,
        throughputRatio: keelServe.charactersPerSecond.median / direct.charactersPerSecond.median,
        lastTokenRatio: keelServe.lastTokenMs!.median / direct.lastTokenMs!.median,
        directAtCount: atCount,
        firstTokenRatioAtCount: keelServe.firstTokenMs.median / atCount.firstTokenMs.median,
        throughputRatioAtCount: keelServe.charactersPerSecond.median / atCount.charactersPerSecond.median,
      });
    }
    if (!direct) throw new Error('the one-client row did not run');
    return { modelLatencyMs: MODEL_LATENCY_MS, replyCharacters: reply.length, direct, bySubscribers, timeline, endTimeline };
  },
  describe(result) {
    const rate = (summary: Summary) => `${Math.round(summary.median)} chars/s`;
    return [
      `The model answers after ${result.modelLatencyMs} ms with ${result.replyCharacters} characters in small chunks. keel serve: one session started by \`POST /v1/sessions\`, then N clients reading its SSE stream at once; time to first token from the POST. Direct, 1: the Anthropic SDK streaming one call from the same server, timed from the call (the issue's baseline, and the ratio it sets its target on). Direct, N: N such calls at once, for what N readers cost this machine without Keel. The readers of both sides run in ${READER_PROCESSES} processes of their own; the API and the model server share this one (bench/README.md).`,
      '',
      '| clients | first token (median / p95) | ratio to direct, 1 | throughput per client (median) | ratio to direct, 1 | whole text read (median) | ratio to direct, 1 | turn_end after the last delta (median) | direct, N: first token (median) | ratio | direct, N: throughput (median) | ratio |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      `| direct, 1 | ${ms(result.direct.firstTokenMs.median)} / ${ms(result.direct.firstTokenMs.p95)} | 1 | ${rate(result.direct.charactersPerSecond)} | 1 | ${result.direct.lastTokenMs ? ms(result.direct.lastTokenMs.median) : ''} | 1 | | | | | |`,
      ...result.bySubscribers.map(
        (row) =>
          `| keel serve, ${row.subscribers} | ${ms(row.keelServe.firstTokenMs.median)} / ${ms(row.keelServe.firstTokenMs.p95)} | ${row.firstTokenRatio.toFixed(2)}x | ${rate(row.keelServe.charactersPerSecond)} | ${row.throughputRatio.toFixed(2)}x | ${row.keelServe.lastTokenMs ? ms(row.keelServe.lastTokenMs.median) : ''} | ${row.lastTokenRatio?.toFixed(2) ?? ''}x | ${row.keelServe.turnEndAfterTextMs ? ms(row.keelServe.turnEndAfterTextMs.median) : ''} | ${row.directAtCount ? `${ms(row.directAtCount.firstTokenMs.median)} | ${row.firstTokenRatioAtCount.toFixed(2)}x | ${rate(row.directAtCount.charactersPerSecond)} | ${row.throughputRatioAtCount.toFixed(2)}x` : '| | |'} |`,
      ),
      '',
      'Where the time goes, one client, its last session (ms after `POST /v1/sessions` was sent):',
      '',
      '| step | at |',
      '| --- | --- |',
      ...(result.timeline ?? []).map((row) => `| ${row.step} | ${ms(row.atMs)} |`),
      '',
      "From the same client's last text delta to its `turn_end` (ms after the last delta; the history's times are the dev server's clock, this machine's):",
      '',
      '| step | at |',
      '| --- | --- |',
      ...(result.endTimeline ?? []).map((row) => `| ${row.step} | ${ms(row.atMs)} |`),
    ].join('\n');
  },
});
