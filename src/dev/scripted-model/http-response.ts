/**
 * Writing answers to the HTTP response, as the Messages API frames them: JSON bodies with a `request-id` header,
 * event streams written event by event with optional pauses, and the cancellable pause itself, which stops when the
 * server closes or the client leaves. Worker/dev side only: uses `node:http` types and `node:timers`.
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiErrorBody, ApiMessage, ApiStreamEvent } from './api-types.js';
import { formatEvent } from './encode-stream-events.js';
import { randomBase62 } from './random-id.js';

/** The headers of every answer, plus `extra`. */
export function baseHeaders(extra: Record<string, string>): Record<string, string> {
  // The SDK surfaces this as `requestID` / `_request_id`; code that logs it should find one.
  return { 'request-id': `req_${randomBase62(24)}`, ...extra };
}

/** Writes a whole JSON answer and ends the response. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: ApiMessage | ApiErrorBody,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, baseHeaders({ 'content-type': 'application/json', ...headers }));
  response.end(text);
}

/** Sends the status line and headers of an event stream; the events follow with `writeEvents`. */
export function startEventStream(response: ServerResponse): void {
  response.writeHead(200, baseHeaders({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }));
}

/** Writes events in order, sleeping between them; false when the server closed or the client left midway. */
export async function writeEvents(
  response: ServerResponse,
  events: ApiStreamEvent[],
  chunkDelayMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  for (const [index, event] of events.entries()) {
    if (index > 0 && !(await pause(chunkDelayMs, signal))) return false;
    if (signal.aborted) return false;
    response.write(formatEvent(event));
  }
  return true;
}

/** Sleeps unless there is nothing to wait for; false when the server closed or the client left meanwhile. */
export async function pause(delayMs: number, signal: AbortSignal): Promise<boolean> {
  if (delayMs > 0) {
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      return false;
    }
  }
  return !signal.aborted;
}
