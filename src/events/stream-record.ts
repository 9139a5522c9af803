/**
 * What a transport carries between the model activity (worker) and the subscribers (clients, `keel serve`): a
 * session's event with its id, or the mark that a model call's stream ended whole. Checked with zod where it comes
 * in from another process.
 */
import { z } from 'zod';
import { sessionEventSchemas, type SessionEventEnvelope } from '../shared/schemas/session-event.js';
import { callPreludeSchema, type CallPrelude } from '../shared/schemas/model-call.js';

/** The live part of an event stream: deltas and retry markers of a model call, and the mark of its end. */
export type LiveEnvelope = Extract<SessionEventEnvelope, { event: 'text_delta' | 'thinking_delta' | 'tool_input_delta' | 'retry' }>;

export type StreamRecord =
  | { session: string; envelope: LiveEnvelope }
  /** The call of `turn` at `attempt` finished its stream: its deltas are the turn's whole reply. */
  | { session: string; callEnd: { id: string; turn: number; attempt: number } }
  /**
   * Sent before a call's deltas: what the transcript holds of the turn before (its reply, its tool results) and that
   * turn's usage, so that a subscriber has it whole without reading the transcript (see `SessionEventLog.addPrelude`).
   */
  | { session: string; prelude: CallPrelude & { id: string; turn: number } };

const liveEvent = z.discriminatedUnion('event', [
  z.object({ id: z.string(), event: z.literal('text_delta'), data: sessionEventSchemas.text_delta }),
  z.object({ id: z.string(), event: z.literal('thinking_delta'), data: sessionEventSchemas.thinking_delta }),
  z.object({ id: z.string(), event: z.literal('tool_input_delta'), data: sessionEventSchemas.tool_input_delta }),
  z.object({ id: z.string(), event: z.literal('retry'), data: sessionEventSchemas.retry }),
]);

export const streamRecordSchema = z.union([
  z.object({ session: z.string().min(1), envelope: liveEvent }),
  z.object({ session: z.string().min(1), callEnd: z.object({ id: z.string(), turn: z.number().int().nonnegative(), attempt: z.number().int().positive() }) }),
  z.object({ session: z.string().min(1), prelude: callPreludeSchema.extend({ id: z.string(), turn: z.number().int().positive() }) }),
]);

/** A record from another process, or undefined when it is not one (a transport never trusts its peer's bytes). */
export function parseStreamRecord(value: unknown): StreamRecord | undefined {
  const parsed = streamRecordSchema.safeParse(value);
  return parsed.success ? (parsed.data as StreamRecord) : undefined;
}

/** The id a record is ordered by. */
export function recordId(record: StreamRecord): string {
  if ('envelope' in record) return record.envelope.id;
  return 'callEnd' in record ? record.callEnd.id : record.prelude.id;
}

/** The turn a record belongs to. */
export function recordTurn(record: StreamRecord): number {
  if ('envelope' in record) return record.envelope.data.turn;
  return 'callEnd' in record ? record.callEnd.turn : record.prelude.turn;
}
