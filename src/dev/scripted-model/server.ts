/**
 * The scripted model server: an offline stand-in for the Anthropic Messages API.
 *
 * It listens on 127.0.0.1 (an ephemeral port by default) and answers `POST /v1/messages` the way the real API does,
 * in both JSON and server-sent-event form, so the real `@anthropic-ai/sdk` can be pointed at it with `baseURL`. It
 * answers the same API on Amazon Bedrock's and Google Vertex AI's paths too (`cloud-routes.ts`), Bedrock's stream
 * in AWS event-stream framing, so Anthropic's SDKs for those clouds can be pointed at it as well.
 * Replies come from a script (a queue, one reply per request; see `script.ts`) or a responder function, and can be
 * faults as well as messages: HTTP errors, an SSE `error` event mid-stream, a dropped connection, or a request that
 * never completes. Every request is recorded, and the server fails loudly (a non-retryable 400) when it has nothing
 * left to say, so a test never passes by accident on a reply it did not script.
 *
 * Used by tests (started in-process, one server per test) and by `npm run demo` as the clearly labelled offline
 * model (see `demo-responder.ts` and `../scripted-model/main.ts`). Worker/dev side only: uses `node:http`.
 */
import { listenHttp } from '../../internal/listen-http.js';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './error-replies.js';
import { pause } from './http-response.js';
import { isRecord } from './is-record.js';
import { apiKeyFrom, checkRequest, parseJson, readBody } from './read-request.js';
import { parseScriptedReply } from './script.js';
import type { RecordedRequest, ScriptedReply, ScriptedResponder } from './script.js';
import { serveReply } from './serve-reply.js';
import { routeOf, sigV4CredentialOf } from './cloud-routes.js';
import { verifySigV4 } from './verify-sigv4.js';

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
  /**
   * The AWS key Bedrock requests must be signed with: their SigV4 signature is computed again here and must match,
   * else 403. @default none: a Bedrock request's signature is checked for its form only
   */
  awsCredentials?: { accessKeyId: string; secretAccessKey: string };
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
    awsCredentials: options.awsCredentials,
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

  // A thousand clients may connect at once (the bench's direct streams): Node's default queue of 511 resets some.
  const url = await listenHttp(server, options.host ?? '127.0.0.1', options.port ?? 0, 4096);

  let closed: Promise<void> | undefined;
  return {
    url,
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
  readonly awsCredentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  readonly closing: AbortController;
}

async function handleRequest(state: ServerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // Aborted when the server closes or the client goes away: delays and streams stop instead of writing into the void.
  const clientGone = new AbortController();
  response.once('close', () => clientGone.abort());
  const signal = AbortSignal.any([state.closing.signal, clientGone.signal]);

  const { text, tooLarge } = await readBody(request);
  const body = parseJson(text);
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const route = routeOf(path);
  const bodyModel = body.ok && isRecord(body.value) && typeof body.value['model'] === 'string' ? body.value['model'] : undefined;
  const credential = sigV4CredentialOf(request.headers);
  const sigV4 =
    credential && state.awsCredentials?.accessKeyId === credential.accessKeyId
      ? {
          ...credential,
          valid: await verifySigV4(credential, { method: request.method ?? 'POST', rawUrl: request.url ?? '/', headers: request.headers, body: text }, state.awsCredentials.secretAccessKey),
        }
      : credential;
  const record: RecordedRequest = {
    id: state.requests.length + 1,
    path,
    platform: route?.platform,
    model: route?.model ?? bodyModel,
    headers: { ...request.headers },
    body: body.ok ? body.value : text,
    stream: route?.stream ?? (body.ok && isRecord(body.value) && body.value['stream'] === true),
    apiKey: apiKeyFrom(request.headers),
    ...(sigV4 ? { sigV4 } : {}),
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
  await serveReply(record, reply.value, response, state.latencyMs, signal);
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
