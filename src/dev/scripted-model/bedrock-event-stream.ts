/**
 * Writing a message stream as Amazon Bedrock's `invoke-with-response-stream` does: AWS event-stream framing
 * (`application/vnd.amazon.eventstream`), one binary `chunk` event per Messages API event, whose JSON payload
 * carries that event base64-encoded in `bytes`; `message_stop` also carries Bedrock's invocation metrics. The
 * encoder is `@smithy/eventstream-codec`, which comes with `@anthropic-ai/bedrock-sdk`: loaded only when a Bedrock
 * stream is asked for. Dev side only: uses `node:http` types.
 */
import type { ServerResponse } from 'node:http';
import type { ApiMessage, ApiStreamEvent } from './api-types.js';
import { baseHeaders, pause } from './http-response.js';

type Codec = { encode(message: { headers: Record<string, { type: 'string'; value: string }>; body: Uint8Array }): Uint8Array };

async function loadCodec(): Promise<Codec> {
  try {
    const { EventStreamCodec } = await import('@smithy/eventstream-codec');
    return new EventStreamCodec(
      (bytes) => Buffer.from(bytes).toString('utf8'),
      (text) => new Uint8Array(Buffer.from(text, 'utf8')),
    );
  } catch (error) {
    throw new Error('scripted model server: a Bedrock stream needs @smithy/eventstream-codec, installed with @anthropic-ai/bedrock-sdk', {
      cause: error,
    });
  }
}

/** One `chunk` frame holding `event`. */
function chunkFrame(codec: Codec, event: ApiStreamEvent | Record<string, unknown>): Uint8Array {
  const payload = { bytes: Buffer.from(JSON.stringify(event), 'utf8').toString('base64') };
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: 'chunk' },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify(payload), 'utf8')),
  });
}

/** Writes `events` of `message` as Bedrock frames and ends the response; false when the server closed or the client left. */
export async function writeBedrockStream(
  response: ServerResponse,
  message: ApiMessage,
  events: ApiStreamEvent[],
  chunkDelayMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const codec = await loadCodec();
  response.writeHead(200, baseHeaders({ 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-bedrock-content-type': 'application/json' }));
  for (const [index, event] of events.entries()) {
    if (index > 0 && !(await pause(chunkDelayMs, signal))) return false;
    if (signal.aborted) return false;
    const framed =
      event.type === 'message_stop'
        ? {
            ...event,
            'amazon-bedrock-invocationMetrics': {
              inputTokenCount: message.usage.input_tokens,
              outputTokenCount: message.usage.output_tokens,
              invocationLatency: 0,
              firstByteLatency: 0,
            },
          }
        : event;
    response.write(chunkFrame(codec, framed));
  }
  response.end();
  return true;
}
