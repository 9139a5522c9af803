/**
 * Serving one scripted reply on the HTTP response: a message as JSON or as an event stream (Bedrock's framing on
 * its route), an HTTP error, an error
 * event mid-stream, a dropped connection or a request left hanging, each after its delay. Everything stops when the
 * server closes or the client leaves (`signal`). Worker/dev side only: uses `node:http` types.
 */
import type { ServerResponse } from 'node:http';
import { buildMessage, fillerReply } from './encode-message.js';
import { buildStreamEvents, formatEvent, partialStreamEvents } from './encode-stream-events.js';
import {
  defaultErrorMessage,
  defaultErrorTypeForStatus,
  errorBody,
  sendError,
  statusForErrorType,
} from './error-replies.js';
import { baseHeaders, pause, sendJson, startEventStream, writeEvents } from './http-response.js';
import type { RecordedRequest, ScriptedReply } from './script.js';
import { writeBedrockStream } from './bedrock-event-stream.js';

/**
 * Answers `record` with `reply`, after `reply.delayMs` or else `latencyMs`. Resolves once the answer is written (a
 * `hang` resolves at once and leaves the response open for `close()` to end).
 */
export async function serveReply(
  record: RecordedRequest,
  reply: ScriptedReply,
  response: ServerResponse,
  latencyMs: number,
  signal: AbortSignal,
): Promise<void> {
  // A hanging request is left open on purpose; `close()` ends its connection.
  if (reply.kind === 'hang') return;
  const delayMs = reply.kind === 'message' ? (reply.delayMs ?? latencyMs) : latencyMs;
  if (!(await pause(delayMs, signal))) return;

  switch (reply.kind) {
    case 'http-error': {
      const type = reply.errorType ?? defaultErrorTypeForStatus(reply.status);
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.retryAfterSeconds !== undefined) headers['retry-after'] = String(reply.retryAfterSeconds);
      sendError(response, reply.status, type, reply.message ?? defaultErrorMessage(type), headers);
      return;
    }
    case 'message': {
      const message = buildMessage(reply, record);
      if (!record.stream) return sendJson(response, 200, message);
      if (record.platform === 'bedrock') {
        await writeBedrockStream(response, message, buildStreamEvents(message), reply.chunkDelayMs ?? 0, signal);
        return;
      }
      startEventStream(response);
      await writeEvents(response, buildStreamEvents(message), reply.chunkDelayMs ?? 0, signal);
      response.end();
      return;
    }
    case 'stream-error': {
      const type = reply.errorType ?? 'overloaded_error';
      const message = reply.message ?? defaultErrorMessage(type);
      if (!record.stream) return sendError(response, statusForErrorType(type), type, message);
      startEventStream(response);
      if (!(await writeEvents(response, partialStreamEvents(record, reply.afterEvents), 0, signal))) return;
      response.end(formatEvent(errorBody(type, message)));
      return;
    }
    case 'drop-connection': {
      if (reply.afterEvents === 0) {
        response.socket?.destroy();
        return;
      }
      let payload: string;
      if (record.stream) {
        payload = partialStreamEvents(record, reply.afterEvents).map(formatEvent).join('');
        startEventStream(response);
      } else {
        // Promise the whole body, send half of it: the client's JSON parse fails on a short read.
        const full = JSON.stringify(buildMessage(fillerReply, record));
        payload = full.slice(0, Math.floor(full.length / 2));
        const contentLength = String(Buffer.byteLength(full));
        response.writeHead(200, baseHeaders({ 'content-type': 'application/json', 'content-length': contentLength }));
      }
      // Destroy only once the bytes have reached the kernel, so the client sees a truncated body, not a reset.
      response.write(payload, () => response.socket?.destroy());
      return;
    }
  }
}
