/**
 * 12. Live output through `keel serve`: time to first token and token throughput seen by clients of the HTTP
 * API's event stream (SSE), at 1, 100 and 1,000 concurrent subscribers of one session, against a direct stream of
 * the same model server through the Anthropic SDK. The model answers after a fixed latency with a long text in
 * many small chunks, so the model's own pace is known. The API runs in this process, beside its subscribers.
 *
 * Time to first token: from the request (the SDK call; the API's `POST /v1/sessions`) to the first text delta a
 * client reads. Throughput: characters a client read per second between its first delta and the turn's end.
 */
import Anthropic from '@anthropic-ai/sdk';
import { SessionClient } from '../../src/client/session-client.js';
import { startScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { startHttpApi } from '../../src/http/start-http-api.js';
import { benchModel } from '../lib/bench-profiles.js';
import { defineScenario, ms, withTimeout } from '../lib/scenario.js';
import { summarize, type Summary } from '../lib/stats.js';

/** The model's latency before its first byte, ms: a real model's time to first token is of this order. */
const MODEL_LATENCY_MS = 500;
/** Pause between the stream's events, ms. */
const CHUNK_DELAY_MS = 2;
const reply = Array.from({ length: 300 }, (_, index) => `token${index} `).join('');

interface Side {
  firstTokenMs: Summary;
  charactersPerSecond: Summary;
}

export interface HttpStreamResult {
  modelLatencyMs: number;
  replyCharacters: number;
  direct: Side;
  bySubscribers: Array<{ subscribers: number; keelServe: Side; firstTokenRatio: number; throughputRatio: number }>;
}

/** Reads one SSE stream: when its first text delta came and how much text until the turn ended. */
async function subscribe(url: string, startedAt: number): Promise<{ firstTokenMs: number; charactersPerSecond: number; text: string }> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream' } });
  if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let text = '';
  let firstAt: number | undefined;
  let event = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ') && event === 'text_delta') {
        firstAt ??= performance.now();
        text += (JSON.parse(line.slice(6)) as { text: string }).text;
      } else if (line.startsWith('data: ') && event === 'turn_end') {
        const endedAt = performance.now();
        await response.body.cancel().catch(() => undefined);
        if (firstAt === undefined) throw new Error('the turn ended without a text delta');
        return { firstTokenMs: firstAt - startedAt, charactersPerSecond: text.length / Math.max((endedAt - firstAt) / 1000, 1e-3), text };
      }
    }
  }
  throw new Error('the stream ended before the turn did');
}

export const httpStreamScenario = defineScenario<HttpStreamResult>({
  name: 'http-stream',
  title: 'Live output through keel serve: time to first token and throughput per subscriber',
  inQuickRuns: false,
  async run(context, mode) {
    const model = await startScriptedModelServer({
      latencyMs: MODEL_LATENCY_MS,
      responder: () => ({ kind: 'message', chunkDelayMs: CHUNK_DELAY_MS, content: [{ type: 'text', text: reply }] }),
    });
    context.defer(() => model.close());

    // The baseline: the SDK streaming straight from the model server, one call at a time.
    const anthropic = new Anthropic({ baseURL: model.url, apiKey: 'bench', maxRetries: 0 });
    const directFirst: number[] = [];
    const directRate: number[] = [];
    for (let run = 0; run < (mode.quick ? 3 : 10); run += 1) {
      const startedAt = performance.now();
      let firstAt: number | undefined;
      let text = '';
      const stream = anthropic.messages.stream({ model: benchModel, max_tokens: 1024, messages: [{ role: 'user', content: `direct ${run}` }] });
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          firstAt ??= performance.now();
          text += event.delta.text;
        }
      }
      const endedAt = performance.now();
      directFirst.push(firstAt! - startedAt);
      directRate.push(text.length / ((endedAt - firstAt!) / 1000));
    }
    const direct: Side = { firstTokenMs: summarize(directFirst), charactersPerSecond: summarize(directRate) };

    const { taskQueue } = await context.startWorker({ modelUrl: model.url });
    const sessions = new SessionClient({ client: context.server.client, taskQueue });
    const api = await startHttpApi({ sessions, port: 0, maxStreamsPerToken: 5_000 });
    context.defer(async () => {
      await api.close();
      // Both wait for their Temporal calls: the run may close its connection next.
      await sessions.eventFeed().close();
    });

    const bySubscribers: HttpStreamResult['bySubscribers'] = [];
    for (const subscribers of mode.quick ? [1, 10] : [1, 100, 1_000]) {
      context.log(`keel serve: ${subscribers} subscribers`);
      const startedAt = performance.now();
      const created = await fetch(`${api.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ profile: 'bench', messages: [{ role: 'user', content: `stream to ${subscribers}` }] }),
      });
      const { id } = (await created.json()) as { id: string };
      const reads = await withTimeout(
        Promise.all(Array.from({ length: subscribers }, () => subscribe(`${api.url}/v1/sessions/${id}/events`, startedAt))),
        300_000,
        `${subscribers} subscribers`,
      );
      if (reads.some((read) => read.text !== reply)) throw new Error('a subscriber read another text than the reply');
      const keelServe: Side = { firstTokenMs: summarize(reads.map((read) => read.firstTokenMs)), charactersPerSecond: summarize(reads.map((read) => read.charactersPerSecond)) };
      bySubscribers.push({
        subscribers,
        keelServe,
        firstTokenRatio: keelServe.firstTokenMs.median / direct.firstTokenMs.median,
        throughputRatio: keelServe.charactersPerSecond.median / direct.charactersPerSecond.median,
      });
      await sessions.getHandle(id).result();
    }
    return { modelLatencyMs: MODEL_LATENCY_MS, replyCharacters: reply.length, direct, bySubscribers };
  },
  describe(result) {
    const rate = (summary: Summary) => `${Math.round(summary.median)} chars/s`;
    return [
      `The model answers after ${result.modelLatencyMs} ms with ${result.replyCharacters} characters in small chunks. Direct: the Anthropic SDK's stream from the same server. keel serve: one session, N clients reading its SSE stream; time to first token from \`POST /v1/sessions\`.`,
      '',
      '| clients | first token (median / p95) | ratio to direct | throughput per client (median) | ratio to direct |',
      '| --- | --- | --- | --- | --- |',
      `| direct, 1 | ${ms(result.direct.firstTokenMs.median)} / ${ms(result.direct.firstTokenMs.p95)} | 1 | ${rate(result.direct.charactersPerSecond)} | 1 |`,
      ...result.bySubscribers.map(
        (row) =>
          `| keel serve, ${row.subscribers} | ${ms(row.keelServe.firstTokenMs.median)} / ${ms(row.keelServe.firstTokenMs.p95)} | ${row.firstTokenRatio.toFixed(2)}x | ${rate(row.keelServe.charactersPerSecond)} | ${row.throughputRatio.toFixed(2)}x |`,
      ),
    ].join('\n');
  },
});
