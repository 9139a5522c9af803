/**
 * The live events of a session, as the contract names them ("HTTP API and live events"): what `keel serve` sends as
 * Server-Sent Events and `SessionHandle.events()` yields. One schema for every producer and consumer, so that the
 * stream, the HTTP API and its OpenAPI document cannot drift apart. Bundle-safe (zod only).
 *
 * `turn` is the session's turn number as in `state.turn` (one model call and its tool calls); `index` is the
 * content block's index in that model reply. `attempt` (1-based) is the model call's activity attempt: a delta of a
 * later attempt than the ones before it means the earlier attempt's output is void (a worker died mid-stream and the
 * call started again), and a `retry` event says so explicitly before the new attempt's first delta. The `retry`
 * event is what counts: a local model call (`modelCall.local`) taken over by another worker, and a failover's call
 * to another model, start again at attempt 1, and only the `retry` before them says the text so far is void.
 */
import { z } from 'zod';
import { contentBlockSchema } from './content.js';
import { sessionStatusSchema, usageSchema } from './session-messages.js';

const turn = z.number().int().nonnegative();
const attempt = z.number().int().positive();

export const sessionEventSchemas = {
  text_delta: z.object({ turn, index: z.number().int().nonnegative(), text: z.string(), attempt: attempt.optional() }),
  thinking_delta: z.object({ turn, index: z.number().int().nonnegative(), text: z.string(), attempt: attempt.optional() }),
  /** A tool call's input as it is written (partial JSON; the concatenation is the call's input as JSON). */
  tool_input_delta: z.object({ turn, index: z.number().int().nonnegative(), toolUseId: z.string(), json: z.string(), attempt: attempt.optional() }),
  /** The model call of `turn` starts again at `attempt`: discard that turn's deltas received so far. */
  retry: z.object({ turn, attempt, reason: z.string().optional() }),
  tool_use: z.object({ turn, toolUseId: z.string(), name: z.string(), input: z.unknown() }),
  tool_result: z.object({ turn, toolUseId: z.string(), isError: z.boolean(), content: z.union([z.string(), z.array(contentBlockSchema)]) }),
  approval_requested: z.object({ toolUseId: z.string(), tool: z.string(), input: z.unknown() }),
  turn_end: z.object({ turn, text: z.string(), usage: usageSchema }),
  status: z.object({ status: sessionStatusSchema }),
  session_end: z.object({ status: z.string(), finalText: z.string() }),
} as const;

export type SessionEventName = keyof typeof sessionEventSchemas;

/** One event: its name and its data, as the contract defines them. */
export type SessionEvent = {
  [Name in SessionEventName]: { event: Name; data: z.infer<(typeof sessionEventSchemas)[Name]> };
}[SessionEventName];

/**
 * An event with its position in the session's stream. `id` is the SSE `id:` a client resumes from
 * (`Last-Event-ID`): ids grow through the whole session, across continue-as-new, and compare as strings of the
 * form the stream defines (opaque to clients).
 */
export type SessionEventEnvelope = SessionEvent & { id: string };

export const sessionEventNames = Object.keys(sessionEventSchemas) as SessionEventName[];
