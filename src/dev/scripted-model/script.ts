/**
 * The script format of the scripted model server: what a test (or the demo) tells it to answer, and what it records.
 *
 * A script is a queue of `ScriptedReply` values, one per accepted request, checked by `scriptedReplySchema` when it
 * is given (a `--script` JSON file is checked by the same schema); a `ScriptedResponder` computes replies the queue
 * does not cover. Every request is recorded as a `RecordedRequest`. Runs wherever the server runs (tests, the demo,
 * the bench): plain zod and types, no I/O.
 */
import { z } from 'zod';
import type { ApiPlatform, SigV4Credential } from './cloud-routes.js';

const scriptedUsageSchema = z.object({
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  cache_creation_input_tokens: z.number().int().nonnegative().optional(),
  cache_read_input_tokens: z.number().int().nonnegative().optional(),
});

/** One content block of a scripted message. Ids and signatures left out are generated. */
export const scriptedBlockSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({
    type: z.literal('tool_use'),
    id: z.string().min(1).optional(),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
  }),
  z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().optional() }),
  z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
]);

const delayMsSchema = z.number().nonnegative().finite();

/** One scripted answer to one request. See `ScriptedReply`. */
export const scriptedReplySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('message'),
    content: z.array(scriptedBlockSchema),
    stopReason: z.enum(['end_turn', 'tool_use', 'max_tokens', 'stop_sequence']).optional(),
    usage: scriptedUsageSchema.optional(),
    delayMs: delayMsSchema.optional(),
    chunkDelayMs: delayMsSchema.optional(),
  }),
  z.object({
    kind: z.literal('http-error'),
    status: z.number().int().min(400).max(599),
    errorType: z.string().min(1).optional(),
    message: z.string().optional(),
    retryAfterSeconds: z.number().nonnegative().finite().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.object({
    kind: z.literal('stream-error'),
    afterEvents: z.number().int().nonnegative(),
    errorType: z.string().min(1).optional(),
    message: z.string().optional(),
  }),
  z.object({ kind: z.literal('drop-connection'), afterEvents: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('hang') }),
]);

/** Token counts to report; each one left out is estimated (input from the request size, output from the content). */
export type ScriptedUsage = z.infer<typeof scriptedUsageSchema>;
/** A content block of a scripted message. */
export type ScriptedBlock = z.infer<typeof scriptedBlockSchema>;
/**
 * One scripted answer to one request:
 * - `message`: a Message, as JSON or as an SSE stream depending on the request's `stream`. `stopReason` defaults to
 *   `tool_use` when a block is a tool call, else `end_turn`. `delayMs` (default: the server's `latencyMs`) passes
 *   before the first byte; `chunkDelayMs` (default 0) between SSE events, for a slow stream.
 * - `http-error`: that status with the API's error body; `errorType` defaults by status (429 `rate_limit_error`,
 *   529 `overloaded_error`, …); `retryAfterSeconds` becomes a `retry-after` header.
 * - `stream-error`: HTTP 200, `afterEvents` SSE events of a partial message, then an `event: error` (default
 *   `overloaded_error`), as the API does when it fails mid-stream. A non-streaming request gets the matching HTTP
 *   error instead (529 for `overloaded_error`).
 * - `drop-connection`: the socket is destroyed after `afterEvents` SSE events (0: before any byte is sent). A
 *   non-streaming request with `afterEvents > 0` gets a truncated JSON body.
 * - `hang`: the request is accepted and never answered, until `close()`.
 *
 * `stream-error` and `drop-connection` never send `message_stop`: `afterEvents` is capped below the full stream.
 */
export type ScriptedReply = z.infer<typeof scriptedReplySchema>;
/** The `message` kind of `ScriptedReply`. */
export type MessageReply = Extract<ScriptedReply, { kind: 'message' }>;

/**
 * Checks a scripted reply (from a test, a responder or a script file) before it is queued or served.
 * Throws a `TypeError` naming the problem; never retried, since a malformed script is a bug in the test.
 */
export function parseScriptedReply(reply: ScriptedReply): ScriptedReply {
  const parsed = scriptedReplySchema.safeParse(reply);
  if (!parsed.success) {
    throw new TypeError(`scripted model server: invalid scripted reply: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** What the server saw, and what it did about it. */
export interface RecordedRequest {
  /** 1-based position among all requests this server received. */
  id: number;
  /** URL path without the query string, e.g. `/v1/messages`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Who the path addresses: Anthropic's API, Bedrock or Vertex AI; undefined for a path no platform serves. */
  platform: ApiPlatform | undefined;
  /** The model asked for: from the path on Bedrock and Vertex AI, else from the body. */
  model: string | undefined;
  /** The parsed JSON body as sent (on the clouds, without `model` and with `anthropic_version`), or the raw text. */
  body: any;
  /** Whether the request asked for a stream (`stream: true`, or the cloud's streaming path). */
  stream: boolean;
  /** The key from `x-api-key`, else from `Authorization: Bearer` (on Vertex AI, the Google access token). */
  apiKey: string | undefined;
  /** The AWS SigV4 signature's credential, when the request carries one (Bedrock). */
  sigV4?: SigV4Credential;
  /** `Date.now()` when the body had been read. */
  receivedAt: number;
  /**
   * The kind of reply served, or `rejected` when the server answered with its own error: bad route, wrong key,
   * invalid request, script exhausted, or a failing responder. Reads `rejected` until a reply has been chosen.
   */
  reply: ScriptedReply['kind'] | 'rejected';
}

/**
 * Computes the reply to a request that the script queue did not cover. Return `undefined` when it has nothing to say:
 * the server then answers "script exhausted". A responder that throws or returns an invalid reply makes the server
 * answer a non-retryable 400 naming the problem.
 */
export type ScriptedResponder = (
  request: RecordedRequest,
) => ScriptedReply | undefined | Promise<ScriptedReply | undefined>;
