/**
 * The body of an event stream response: Server-Sent Event frames queued on a web ReadableStream, the frames ready
 * within one turn of the event loop sent as one chunk. Many clients of one session each get one write per moment
 * rather than one per event, and each event's frame is built once for all of them (`sseFrame`). A client that reads
 * slowly holds back its own stream only: its queue is bounded, and the writer waits for room. Server-side.
 */
import type { SessionEventEnvelope } from '../shared/schemas/session-event.js';

/** Bytes a client's stream may queue before its writer waits for the client to read. */
const QUEUE_BYTES = 64 * 1024;
/** Characters gathered before they are sent without waiting for the turn of the event loop to end. */
const CHUNK_CHARACTERS = 16 * 1024;

/** Frames by envelope: the feed gives every subscriber of a session the same envelope objects. */
const frames = new WeakMap<SessionEventEnvelope, string>();

/**
 * One event as a Server-Sent Event: `event:`, `data:` and `id:`. The data is one line, since JSON never holds a raw
 * line break; event names and ids are the contract's (no line breaks either).
 */
export function sseFrame(envelope: SessionEventEnvelope): string {
  let frame = frames.get(envelope);
  if (frame === undefined) {
    frame = `event: ${envelope.event}\ndata: ${JSON.stringify(envelope.data)}\nid: ${envelope.id}\n\n`;
    frames.set(envelope, frame);
  }
  return frame;
}

export interface EventStreamBody {
  readonly body: ReadableStream<Uint8Array>;
  /** Queues `text` (SSE frames or comment lines); resolves once the client's queue has room again. */
  write(text: string): Promise<void>;
  /** Sends what is queued and ends the body. */
  close(): void;
}

/** @param onCancel called when the client goes away (the response body is cancelled). */
export function eventStreamBody(onCancel: () => void): EventStreamBody {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let pending = '';
  let scheduled = false;
  let done = false;
  let waiting: Array<() => void> = [];
  const release = () => {
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start: (given) => {
        controller = given;
      },
      pull: release,
      cancel: () => {
        done = true;
        release();
        onCancel();
      },
    },
    { highWaterMark: QUEUE_BYTES, size: (chunk) => chunk.byteLength },
  );
  const flush = () => {
    if (done || pending === '') return;
    controller.enqueue(encoder.encode(pending));
    pending = '';
  };
  return {
    body,
    async write(text) {
      if (done) return;
      pending += text;
      // A long backlog (a late client reading the turn so far) goes in chunks, so that the queue's bound holds.
      if (pending.length >= CHUNK_CHARACTERS) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
      if ((controller.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => waiting.push(resolve));
    },
    close() {
      if (done) return;
      flush();
      done = true;
      release();
      controller.close();
    },
  };
}
