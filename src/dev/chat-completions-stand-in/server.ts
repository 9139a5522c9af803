/**
 * A small stand-in for an OpenAI-format model server: `POST /v1/chat/completions`, whole or streamed as
 * server-sent `chat.completion.chunk` events, tool calls included. It serves scripted turns in order, records every
 * request, and answers 400 when its script has run out, so a test never passes on a turn it did not script. It is
 * what a gateway (LiteLLM's proxy, say) sits in front of in the tests of Keel's gateway path. Dev side only: uses
 * `node:http`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { serveHttp } from '../../internal/listen-http.js';
import { chatCompletion, chatCompletionChunks, chatReplySchema, type ChatReply } from './chat-reply.js';

/** A request the stand-in received. */
export interface RecordedChatRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: any;
}

export interface ChatCompletionsStandInOptions {
  /** Turns served in order, one per request. @default [] */
  script?: ChatReply[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`; else 401. @default any key or none */
  apiKey?: string;
}

export interface ChatCompletionsStandIn {
  /** Base URL, e.g. `http://127.0.0.1:43123`; clients add `/v1/chat/completions`. */
  readonly url: string;
  readonly requests: RecordedChatRequest[];
  /** Appends turns to the script. @throws a ZodError when a turn is malformed */
  push(...replies: ChatReply[]): void;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function openAiError(response: ServerResponse, status: number, type: string, message: string): void {
  sendJson(response, status, { error: { message, type, param: null, code: null } });
}

async function readJson(request: IncomingMessage): Promise<{ ok: true; value: any } | { ok: false; text: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, text };
  }
}

/** Starts the stand-in on 127.0.0.1 (a free port) and resolves once it listens. */
export async function startChatCompletionsStandIn(options: ChatCompletionsStandInOptions = {}): Promise<ChatCompletionsStandIn> {
  const queue: ChatReply[] = (options.script ?? []).map((reply) => chatReplySchema.parse(reply));
  const requests: RecordedChatRequest[] = [];
  let served = 0;

  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const body = await readJson(request);
      requests.push({ path, headers: { ...request.headers }, body: body.ok ? body.value : body.text });
      if (request.method !== 'POST' || path !== '/v1/chat/completions') return openAiError(response, 404, 'invalid_request_error', `no route for ${request.method} ${path}`);
      if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
        return openAiError(response, 401, 'invalid_request_error', 'Incorrect API key provided.');
      }
      if (!body.ok || typeof body.value?.model !== 'string' || !Array.isArray(body.value?.messages)) {
        return openAiError(response, 400, 'invalid_request_error', 'a body with model and messages is required');
      }
      const reply = queue.shift();
      if (reply === undefined) return openAiError(response, 400, 'invalid_request_error', `chat completions stand-in: script exhausted (request #${requests.length})`);
      served += 1;
      const id = `chatcmpl-standin${served}`;
      const created = Math.floor(Date.now() / 1000);
      if (body.value.stream !== true) return sendJson(response, 200, chatCompletion(id, body.value.model, created, reply));
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const includeUsage = body.value.stream_options?.include_usage === true;
      for (const payload of chatCompletionChunks(id, body.value.model, created, reply, includeUsage)) response.write(`data: ${payload}\n\n`);
      response.end();
    })().catch((error: unknown) => {
      if (!response.headersSent) openAiError(response, 500, 'server_error', `chat completions stand-in: ${(error as Error).message}`);
      else response.destroy();
    });
  });
  const listening = await serveHttp(server, '127.0.0.1', 0);
  return {
    url: listening.url,
    requests,
    push(...replies) {
      queue.push(...replies.map((reply) => chatReplySchema.parse(reply)));
    },
    close: () => listening.close(),
  };
}
