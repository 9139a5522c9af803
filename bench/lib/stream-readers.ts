/**
 * The two ways the http-stream bench reads a streamed reply, timed alike: a client of `keel serve`'s event stream
 * (SSE over fetch) and a direct Anthropic SDK stream from the model server. Times are epoch ms with sub-ms precision
 * (`performance.timeOrigin + performance.now()`), so that readers in other processes of this machine share one clock.
 */
import type Anthropic from '@anthropic-ai/sdk';

/** Now, as epoch ms with sub-ms precision, comparable across the processes of one machine. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** What one reader saw, ms after `startedAt` (epoch ms) unless said otherwise. */
export interface StreamRead {
  firstTokenMs: number;
  /** The last text delta: the whole text in hand. */
  lastTokenMs: number;
  /** Characters per second between the first and the last text delta. */
  charactersPerSecond: number;
  /** The text read is the expected reply. */
  textMatches: boolean;
  /** SSE only: the response headers read. */
  connectedMs?: number;
  /** SSE only: from the last text delta to `turn_end`. */
  turnEndAfterTextMs?: number;
  /** SSE only: when the last text delta came, epoch ms. */
  lastDeltaEpochMs?: number;
}

function paceOf(text: string, firstAt: number, lastAt: number): number {
  return text.length / Math.max((lastAt - firstAt) / 1000, 1e-3);
}

/** Reads one SSE stream of `keel serve` to its first `turn_end`. */
export async function readEventStream(url: string, startedAt: number, expectedText: string): Promise<StreamRead> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream' } });
  if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
  const connectedMs = epochNow() - startedAt;
  const decoder = new TextDecoder();
  let buffer = '';
  let text = '';
  let firstAt: number | undefined;
  let lastAt = Number.NaN;
  let event = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ') && event === 'text_delta') {
        lastAt = epochNow();
        firstAt ??= lastAt;
        text += (JSON.parse(line.slice(6)) as { text: string }).text;
      } else if (line.startsWith('data: ') && event === 'turn_end') {
        const endedAt = epochNow();
        await response.body.cancel().catch(() => undefined);
        if (firstAt === undefined) throw new Error('the turn ended without a text delta');
        return {
          firstTokenMs: firstAt - startedAt,
          lastTokenMs: lastAt - startedAt,
          charactersPerSecond: paceOf(text, firstAt, lastAt),
          textMatches: text === expectedText,
          connectedMs,
          turnEndAfterTextMs: endedAt - lastAt,
          lastDeltaEpochMs: lastAt,
        };
      }
    }
  }
  throw new Error('the stream ended before the turn did');
}

/** One direct streamed call through the Anthropic SDK, timed from the call. */
export async function readDirectStream(anthropic: Anthropic, model: string, label: string, expectedText: string): Promise<StreamRead> {
  const startedAt = epochNow();
  let firstAt: number | undefined;
  let lastAt = Number.NaN;
  let text = '';
  const stream = anthropic.messages.stream({ model, max_tokens: 1024, messages: [{ role: 'user', content: label }] });
  for await (const event of stream) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      lastAt = epochNow();
      firstAt ??= lastAt;
      text += event.delta.text;
    }
  }
  if (firstAt === undefined) throw new Error('a direct stream had no text delta');
  return { firstTokenMs: firstAt - startedAt, lastTokenMs: lastAt - startedAt, charactersPerSecond: paceOf(text, firstAt, lastAt), textMatches: text === expectedText };
}
