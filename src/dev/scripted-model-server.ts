/**
 * The scripted model server: an offline stand-in for the Anthropic Messages API.
 *
 * It listens on 127.0.0.1 (an ephemeral port by default) and answers `POST /v1/messages` the way the real API does,
 * in both JSON and server-sent-event form, so the real `@anthropic-ai/sdk` can be pointed at it with `baseURL`.
 * Replies come from a script (a queue, one reply per request) or a responder function, and can be faults as well as
 * messages: HTTP errors, an SSE `error` event mid-stream, a dropped connection, or a request that never completes.
 * Every request is recorded, and the server fails loudly (a non-retryable 400) when it has nothing left to say, so
 * a test never passes by accident on a reply it did not script.
 *
 * Used by tests (started in-process, one server per test) and by `npm run demo` as the clearly labelled offline
 * model (see `offlineDemoResponder` and `scripted-model-server-main.ts`). Worker/dev side only: uses `node:http`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { validateMessagesRequest } from './validate-messages-request.js';

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

/** What the server saw, and what it did about it. */
export interface RecordedRequest {
  /** 1-based position among all requests this server received. */
  id: number;
  /** URL path without the query string, e.g. `/v1/messages`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text if it was not JSON. */
  body: any;
  /** Whether the body asked for SSE (`stream: true`). */
  stream: boolean;
  /** The key from `x-api-key`, else from `Authorization: Bearer`. */
  apiKey: string | undefined;
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

/** Options of `startScriptedModelServer`. */
export interface ScriptedModelServerOptions {
  /** Replies served in order, one per accepted request. Rejected requests do not consume one. @default [] */
  script?: ScriptedReply[];
  /**
   * Called when the queue is empty (or always, if no script): computes a reply from the request; undefined means
   * exhausted. @default none: an empty queue is exhausted
   */
  responder?: ScriptedResponder;
  /**
   * When set, requests must carry this key as `x-api-key` or `Authorization: Bearer`; else 401 authentication_error.
   * @default none: any key, or none, is accepted
   */
  apiKey?: string;
  /** TCP port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Default delay before the first byte of every answer, in milliseconds. @default 0 */
  latencyMs?: number;
  /** Validate requests as the real API does, answering 400 `invalid_request_error` when they are not. @default true */
  validate?: boolean;
}

/** A running scripted model server. */
export interface ScriptedModelServer {
  /** Base URL to pass as `baseURL` / `ANTHROPIC_BASE_URL`, e.g. `http://127.0.0.1:43123`. */
  readonly url: string;
  /** Every request received so far, rejected ones included, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Appends replies to the script queue. Throws a `TypeError` naming the problem if a reply is malformed. */
  push(...replies: ScriptedReply[]): void;
  /** Replies left in the queue. */
  pending(): number;
  /** Stops listening and ends every open connection, hanging and half-streamed ones included. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a scripted model server and resolves once it is listening.
 *
 * Rejects if the port cannot be bound, and throws a `TypeError` if `options.script` holds a malformed reply.
 * Requests are answered concurrently; each accepted request takes the next queued reply at the moment its body has
 * been read and checked.
 */
export async function startScriptedModelServer(options: ScriptedModelServerOptions = {}): Promise<ScriptedModelServer> {
  const state: ServerState = {
    queue: (options.script ?? []).map(parseScriptedReply),
    requests: [],
    responder: options.responder,
    apiKey: options.apiKey,
    latencyMs: options.latencyMs ?? 0,
    validate: options.validate ?? true,
    closing: new AbortController(),
  };

  const server = createServer((request, response) => {
    handleRequest(state, request, response).catch((error: unknown) => {
      // A bug here must not take the test process down, but must not look like a model reply either.
      if (!response.headersSent && !response.destroyed) {
        sendError(response, 500, 'api_error', `scripted model server: internal error: ${errorMessage(error)}`);
      } else {
        response.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    requests: state.requests,
    push(...replies) {
      state.queue.push(...replies.map(parseScriptedReply));
    },
    pending() {
      return state.queue.length;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        // Stops pending delays and streams first, so no handler writes to a socket that is going away.
        state.closing.abort();
        server.close(() => resolve());
        // Keep-alive, hanging and mid-stream connections would otherwise keep `close` waiting forever.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

interface ServerState {
  queue: ScriptedReply[];
  readonly requests: RecordedRequest[];
  readonly responder: ScriptedResponder | undefined;
  readonly apiKey: string | undefined;
  readonly latencyMs: number;
  readonly validate: boolean;
  readonly closing: AbortController;
}

function parseScriptedReply(reply: ScriptedReply): ScriptedReply {
  const parsed = scriptedReplySchema.safeParse(reply);
  if (!parsed.success) {
    throw new TypeError(`scripted model server: invalid scripted reply: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** The real API's limit on a request body. */
const maxBodyBytes = 32 * 1024 * 1024;

async function handleRequest(state: ServerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // Aborted when the server closes or the client goes away: delays and streams stop instead of writing into the void.
  const clientGone = new AbortController();
  response.once('close', () => clientGone.abort());
  const signal = AbortSignal.any([state.closing.signal, clientGone.signal]);

  const { text, tooLarge } = await readBody(request);
  const body = parseJson(text);
  const record: RecordedRequest = {
    id: state.requests.length + 1,
    path: new URL(request.url ?? '/', 'http://localhost').pathname,
    headers: { ...request.headers },
    body: body.ok ? body.value : text,
    stream: body.ok && isRecord(body.value) && body.value['stream'] === true,
    apiKey: apiKeyFrom(request.headers),
    receivedAt: Date.now(),
    reply: 'rejected',
  };
  state.requests.push(record);

  const rejection = checkRequest(state, record, request.method, body, tooLarge);
  if (rejection !== undefined) {
    if (await pause(state.latencyMs, signal)) {
      sendError(response, rejection.status, rejection.type, rejection.message, rejection.headers);
    }
    return;
  }
  const reply = await chooseReply(state, record);
  if (!reply.ok) {
    if (await pause(state.latencyMs, signal)) {
      sendError(response, 400, 'invalid_request_error', reply.message, { 'x-should-retry': 'false' });
    }
    return;
  }
  record.reply = reply.value.kind;
  await serveReply(state, record, reply.value, response, signal);
}

type Rejection = { status: number; type: string; message: string; headers?: Record<string, string> };

/** The checks the real API makes before a model sees the request, in its order: route, size, key, body. */
function checkRequest(
  state: ServerState,
  record: RecordedRequest,
  method: string | undefined,
  body: ParsedJson,
  tooLarge: boolean,
): Rejection | undefined {
  if (record.path !== '/v1/messages') {
    return { status: 404, type: 'not_found_error', message: `scripted model server: no route for ${record.path}` };
  }
  if (method !== 'POST') {
    const message = `scripted model server: ${method} not allowed on ${record.path}`;
    return { status: 405, type: 'invalid_request_error', message };
  }
  if (tooLarge) return { status: 413, type: 'request_too_large', message: defaultErrorMessage('request_too_large') };
  if (state.apiKey !== undefined && record.apiKey !== state.apiKey) {
    const message = record.apiKey === undefined ? 'x-api-key header is required' : 'invalid x-api-key';
    return { status: 401, type: 'authentication_error', message };
  }
  if (!body.ok) {
    return {
      status: 400,
      type: 'invalid_request_error',
      message: 'There was an error parsing the body of your request. Please make sure your request body is valid JSON.',
    };
  }
  if (state.validate) {
    const validation = validateMessagesRequest(body.value);
    if (!validation.ok) return { status: 400, type: 'invalid_request_error', message: validation.message };
  }
  return undefined;
}

type ChosenReply = { ok: true; value: ScriptedReply } | { ok: false; message: string };

async function chooseReply(state: ServerState, record: RecordedRequest): Promise<ChosenReply> {
  const queued = state.queue.shift();
  if (queued !== undefined) return { ok: true, value: queued };
  if (state.responder === undefined) return { ok: false, message: exhaustedMessage(record) };
  try {
    const computed = await state.responder(record);
    if (computed === undefined) return { ok: false, message: exhaustedMessage(record) };
    return { ok: true, value: parseScriptedReply(computed) };
  } catch (error) {
    const message = `scripted model server: responder failed on request #${record.id}: ${errorMessage(error)}`;
    return { ok: false, message };
  }
}

function exhaustedMessage(record: RecordedRequest): string {
  return `scripted model server: script exhausted (request #${record.id})`;
}

async function serveReply(
  state: ServerState,
  record: RecordedRequest,
  reply: ScriptedReply,
  response: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  // A hanging request is left open on purpose; `close()` ends its connection.
  if (reply.kind === 'hang') return;
  const delayMs = reply.kind === 'message' ? (reply.delayMs ?? state.latencyMs) : state.latencyMs;
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
      response.end(formatEvent({ event: 'error', data: errorBody(type, message) }));
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

/** Sleeps unless there is nothing to wait for; false when the server closed or the client left meanwhile. */
async function pause(delayMs: number, signal: AbortSignal): Promise<boolean> {
  if (delayMs > 0) {
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      return false;
    }
  }
  return !signal.aborted;
}

async function readBody(request: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Keep draining past the limit so the 413 can still be written to a healthy socket.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBodyBytes) chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > maxBodyBytes };
}

type ParsedJson = { ok: true; value: unknown } | { ok: false };

function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function apiKeyFrom(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return bearer?.[1];
}

// ---------------------------------------------------------------------------------------------------------------
// Wire format: headers, error bodies, Message objects and SSE events, as the API sends them.

function baseHeaders(extra: Record<string, string>): Record<string, string> {
  // The SDK surfaces this as `requestID` / `_request_id`; code that logs it should find one.
  return { 'request-id': `req_${randomBase62(24)}`, ...extra };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, baseHeaders({ 'content-type': 'application/json', ...headers }));
  response.end(text);
}

function errorBody(type: string, message: string): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type, message } };
}

function sendError(
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, errorBody(type, message), headers);
}

const errorTypeByStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function defaultErrorTypeForStatus(status: number): string {
  return errorTypeByStatus[status] ?? 'api_error';
}

function statusForErrorType(type: string): number {
  const entry = Object.entries(errorTypeByStatus).find(([, candidate]) => candidate === type);
  return entry === undefined ? 500 : Number(entry[0]);
}

const defaultErrorMessages: Record<string, string> = {
  invalid_request_error: 'Invalid request.',
  authentication_error: 'invalid x-api-key',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'The requested resource could not be found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of requests has exceeded your rate limit.',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
};

function defaultErrorMessage(type: string): string {
  return defaultErrorMessages[type] ?? `scripted ${type}`;
}

type ResponseBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

type ResponseUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
};

type ResponseMessage = {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ResponseBlock[];
  stop_reason: string;
  stop_sequence: string | null;
  stop_details: null;
  container: null;
  usage: ResponseUsage;
};

type MessageReply = Extract<ScriptedReply, { kind: 'message' }>;

function buildMessage(reply: MessageReply, record: RecordedRequest): ResponseMessage {
  const body: Record<string, unknown> = isRecord(record.body) ? record.body : {};
  const content = reply.content.map(toResponseBlock);
  const stopReason = reply.stopReason ?? (content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');
  const stopSequences = Array.isArray(body['stop_sequences']) ? (body['stop_sequences'] as unknown[]) : [];
  return {
    id: `msg_${randomBase62(24)}`,
    type: 'message',
    role: 'assistant',
    model: typeof body['model'] === 'string' ? body['model'] : 'scripted-model',
    content,
    stop_reason: stopReason,
    // The API reports which stop sequence matched; the first one requested is the honest guess.
    stop_sequence: stopReason === 'stop_sequence' && typeof stopSequences[0] === 'string' ? stopSequences[0] : null,
    stop_details: null,
    container: null,
    usage: {
      input_tokens: reply.usage?.input_tokens ?? estimateTokens(JSON.stringify(record.body ?? null)),
      output_tokens: reply.usage?.output_tokens ?? estimateTokens(content.map(blockText).join('')),
      cache_creation_input_tokens: reply.usage?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: reply.usage?.cache_read_input_tokens ?? 0,
    },
  };
}

function toResponseBlock(block: ScriptedBlock): ResponseBlock {
  switch (block.type) {
    case 'tool_use':
      return { type: 'tool_use', id: block.id ?? `toolu_${randomBase62(24)}`, name: block.name, input: block.input };
    case 'thinking':
      // Real signatures are opaque base64; a generated one lets thinking round-trip through validation.
      return {
        type: 'thinking',
        thinking: block.thinking,
        signature: block.signature ?? randomBytes(48).toString('base64'),
      };
    default:
      return block;
  }
}

function blockText(block: ResponseBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'thinking':
      return block.thinking;
    case 'redacted_thinking':
      return block.data;
    case 'tool_use':
      return block.name + JSON.stringify(block.input);
  }
}

/** About four characters per token: good enough for budgets and logs, and stable for a given request. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.round(text.length / 4));
}

type StreamEvent = { event: string; data: unknown };

function formatEvent({ event, data }: StreamEvent): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function startEventStream(response: ServerResponse): void {
  response.writeHead(200, baseHeaders({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }));
}

/** Writes events in order, sleeping between them; false when the server closed or the client left midway. */
async function writeEvents(
  response: ServerResponse,
  events: StreamEvent[],
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

/** Size of a text, thinking or JSON fragment per delta event, in code points: several deltas per block, as live. */
const deltaSize = 12;
/** The most delta events one block streams; a longer block has longer deltas, as a fast model's would be. */
const maxDeltasPerBlock = 2000;

/** The SSE events of a whole message, in the order and shape the API streams them. */
function buildStreamEvents(message: ResponseMessage): StreamEvent[] {
  const { usage } = message;
  const events: StreamEvent[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        // As live: no content or stop reason yet, and output tokens only counted at the end.
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      },
    },
    { event: 'ping', data: { type: 'ping' } },
  ];
  // A loop, not push(...spread): a block of megabytes has more events than a call may take arguments.
  for (const [index, block] of message.content.entries()) for (const event of blockEvents(block, index)) events.push(event);
  events.push(
    {
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: {
          stop_reason: message.stop_reason,
          stop_sequence: message.stop_sequence,
          stop_details: null,
          container: null,
        },
        usage,
      },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  );
  return events;
}

function blockEvents(block: ResponseBlock, index: number): StreamEvent[] {
  const delta = (payload: Record<string, unknown>): StreamEvent => ({
    event: 'content_block_delta',
    data: { type: 'content_block_delta', index, delta: payload },
  });
  let start: ResponseBlock;
  let deltas: StreamEvent[];
  switch (block.type) {
    case 'text':
      start = { type: 'text', text: '' };
      deltas = chunks(block.text).map((text) => delta({ type: 'text_delta', text }));
      break;
    case 'tool_use':
      start = { ...block, input: {} };
      deltas = chunks(JSON.stringify(block.input)).map((json) =>
        delta({ type: 'input_json_delta', partial_json: json }),
      );
      break;
    case 'thinking':
      start = { type: 'thinking', thinking: '', signature: '' };
      deltas = [
        ...chunks(block.thinking).map((thinking) => delta({ type: 'thinking_delta', thinking })),
        delta({ type: 'signature_delta', signature: block.signature }),
      ];
      break;
    case 'redacted_thinking':
      start = block;
      deltas = [];
      break;
  }
  return [
    { event: 'content_block_start', data: { type: 'content_block_start', index, content_block: start } },
    ...deltas,
    { event: 'content_block_stop', data: { type: 'content_block_stop', index } },
  ];
}

function chunks(text: string): string[] {
  // By code point, so a delta never ends inside a surrogate pair.
  const codePoints = Array.from(text);
  const result: string[] = [];
  const size = Math.max(deltaSize, Math.ceil(codePoints.length / maxDeltasPerBlock));
  for (let start = 0; start < codePoints.length; start += size) {
    result.push(codePoints.slice(start, start + size).join(''));
  }
  return result;
}

/** The partial message that `stream-error` and `drop-connection` replies interrupt. */
const fillerReply: MessageReply = {
  kind: 'message',
  content: [{ type: 'text', text: 'This reply is cut short on purpose by the scripted model server.' }],
};

/** The first `afterEvents` events of a stream that never reaches `message_stop`. */
function partialStreamEvents(record: RecordedRequest, afterEvents: number): StreamEvent[] {
  const events = buildStreamEvents(buildMessage(fillerReply, record));
  return events.slice(0, Math.min(afterEvents, events.length - 1));
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomBase62(length: number): string {
  return Array.from(randomBytes(length), (byte) => base62[byte % 62]).join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------------------------
// The offline demo model.

/** Options of `offlineDemoResponder`. */
export interface OfflineDemoResponderOptions {
  /** Pause between SSE events, in milliseconds, so a terminal shows the reply arriving. @default 0 */
  chunkDelayMs?: number;
}

/** Marks every reply of the offline model, so nobody mistakes a demo transcript for a real model's work. */
export const offlineModelLabel = '[offline scripted model]';

const demoCommand = 'echo "hello from the offline scripted model"';
const demoFilePath = 'offline-demo.txt';
const demoFileContent = 'Written by the offline scripted model: no real model was called.\n';

/**
 * Responder for the offline demo: a deterministic, clearly labelled stand-in for a model, used by `npm run demo`
 * when no API key is configured.
 *
 * For a new user message it answers with a short plan. If the request offers a tool named `bash` (preferred) or
 * `write_file`, and no tool has been called yet in the conversation, it also calls that tool once; when the tool
 * result comes back it reports what it got and ends the turn. With extended thinking enabled it adds a thinking
 * block before the tool call, as the API requires for the next request. It never throws and never runs out.
 */
export function offlineDemoResponder(options: OfflineDemoResponderOptions = {}): ScriptedResponder {
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  return (request) => {
    const body: Record<string, unknown> = isRecord(request.body) ? request.body : {};
    const messages = Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
    const last = messages.at(-1);
    const lastBlocks = contentBlocks(last);

    const toolResults = lastBlocks.filter((block) => block['type'] === 'tool_result');
    if (toolResults.length > 0) {
      const failed = toolResults.some((block) => block['is_error'] === true);
      const output = snippet(toolResults.map((block) => contentText(block['content'])).join('\n'), 200);
      const text =
        `${offlineModelLabel} The tool ${failed ? 'reported an error' : 'finished'}; its output was: "${output}". ` +
        'That completes the plan, so I am ending the turn. ' +
        '(No real model was called: this is the offline scripted model.)';
      return { kind: 'message', content: [{ type: 'text', text }], chunkDelayMs };
    }

    const said = snippet(contentText(last?.['content']), 120);
    const usedToolBefore = messages.some(
      (message) =>
        message['role'] === 'assistant' && contentBlocks(message).some((block) => block['type'] === 'tool_use'),
    );
    const tool = usedToolBefore ? undefined : pickDemoTool(body['tools']);
    const plan = tool
      ? `1. Call \`${tool.name}\` once to show a tool round-trip through the sandbox.\n` +
        '2. Report its output and end the turn.'
      : '1. Acknowledge the message.\n2. End the turn, since there is no tool to try.';
    const text =
      `${offlineModelLabel} You said: "${said}". I am the offline scripted model: no real model was called, and ` +
      `these replies are scripted so the demo runs without an API key.\n\nPlan:\n${plan}`;

    const content: ScriptedBlock[] = [];
    const thinking = isRecord(body['thinking']) ? body['thinking']['type'] : undefined;
    if (tool && (thinking === 'enabled' || thinking === 'adaptive')) {
      content.push({
        type: 'thinking',
        thinking:
          'Offline scripted model: no reasoning happens here; ' +
          'this block keeps the transcript shaped like a thinking reply.',
      });
    }
    content.push({ type: 'text', text });
    if (tool) content.push({ type: 'tool_use', name: tool.name, input: tool.input });
    return { kind: 'message', content, chunkDelayMs };
  };
}

function contentBlocks(message: Record<string, unknown> | undefined): Record<string, unknown>[] {
  const content = message?.['content'];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((block) => (typeof block['text'] === 'string' ? block['text'] : ''))
    .filter((text) => text.length > 0)
    .join(' ');
}

function snippet(text: string, maxLength: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= maxLength ? flat : `${flat.slice(0, maxLength - 1)}…`;
}

/** Picks `bash` or `write_file` from the offered tools and fills its input, whatever its schema calls the fields. */
function pickDemoTool(tools: unknown): { name: string; input: Record<string, unknown> } | undefined {
  const offered = Array.isArray(tools) ? tools.filter(isRecord) : [];
  const tool =
    offered.find((candidate) => candidate['name'] === 'bash') ??
    offered.find((candidate) => candidate['name'] === 'write_file');
  if (tool === undefined) return undefined;
  const name = tool['name'] as string;
  const schema = isRecord(tool['input_schema']) ? tool['input_schema'] : {};
  const properties = isRecord(schema['properties']) ? Object.keys(schema['properties']) : [];
  const defaults: Record<string, unknown> =
    name === 'bash' ? { command: demoCommand } : { path: demoFilePath, content: demoFileContent };
  if (properties.length === 0) return { name, input: defaults };
  const input: Record<string, unknown> = {};
  for (const property of properties) {
    const value = demoValueFor(property, name);
    if (value !== undefined) input[property] = value;
  }
  return { name, input };
}

function demoValueFor(property: string, toolName: string): string | undefined {
  const key = property.toLowerCase();
  if (key.includes('command') || key === 'cmd') return demoCommand;
  if (key.includes('path') || key.includes('file')) return demoFilePath;
  if (key.includes('content') || key.includes('text') || key.includes('data')) return demoFileContent;
  return toolName === 'bash' && key === 'script' ? demoCommand : undefined;
}
