/**
 * The codec server: Temporal's Codec Server protocol over HTTP, so that the Temporal UI and the `temporal` CLI show
 * decrypted payloads to those allowed, while the Temporal server keeps only ciphertext.
 *
 * - `POST /encode`, `POST /decode` (also under a namespace segment, `/{namespace}/decode`, for the CLI's
 *   `--codec-endpoint` templating): a JSON body `{payloads: [{metadata: {k: base64}, data: base64}]}` in, the same
 *   shape out, run through the codec.
 * - Every codec request needs a token: `Authorization: Bearer <token>` (the CLI's `--codec-auth "Bearer <token>"`),
 *   or the `keel_codec_token` cookie that `GET /login` sets for a browser, which the UI sends when
 *   `TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true`. Anything else is refused with 401, before the body is read.
 * - CORS answers only the configured UI origins (preflight included), with credentials allowed.
 * - `GET /healthz` answers 200 without a token, for container health checks.
 *
 * Worker side (`node:http`). Logs name the path and status, never payloads, tokens or keys.
 */
import { serveHttp } from '../internal/listen-http.js';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Bearer tokens accepted; at least one. (env `KEEL_CODEC_SERVER_TOKENS`, comma-separated) */
  tokens: string[];
  /** Browser origins allowed by CORS, e.g. the UI's `http://localhost:8080`. @default [] (env `KEEL_CODEC_SERVER_CORS_ORIGINS`) */
  allowedOrigins?: string[];
  /** @default 0 (a free port); env `KEEL_CODEC_SERVER_PORT` in the entry point */
  port?: number;
  /** @default `127.0.0.1` */
  host?: string;
  /** Largest request body accepted, bytes. @default 33554432 (32 MiB) */
  maxBodyBytes?: number;
  /** Called once per request with what happened (no payloads, no tokens). */
  onRequest?: (entry: { method: string; path: string; status: number }) => void;
}

export interface CodecServer {
  /** e.g. `http://127.0.0.1:8888` */
  readonly url: string;
  close(): Promise<void>;
}

const jsonPayloadSchema = z.object({
  metadata: z.record(z.string(), z.string()).nullish(),
  data: z.string().nullish(),
});
const codecRequestSchema = z.object({ payloads: z.array(jsonPayloadSchema) });
type JsonPayload = z.infer<typeof jsonPayloadSchema>;

export const CODEC_TOKEN_COOKIE = 'keel_codec_token';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** proto3 JSON (bytes as base64) to a payload. */
function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    ...(payload.data ? { data: Buffer.from(payload.data, 'base64') } : {}),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

function cookieValue(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, `request body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const loginPage = `<!doctype html><meta charset="utf-8"><title>Keel codec server</title>
<form method="post" action="login"><p>Codec server token: <input name="token" type="password" autofocus required>
<button>Sign in</button></p></form>`;

/** Starts the codec server; resolves once it listens. @throws Error when no token is configured. */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const tokens = options.tokens.filter((token) => token.length > 0);
  if (tokens.length === 0) throw new Error('codec server: at least one token is required (KEEL_CODEC_SERVER_TOKENS)');
  const tokenDigests = tokens.map(digest);
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;

  const isAuthorized = (request: IncomingMessage): boolean => {
    const header = request.headers.authorization ?? '';
    const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? cookieValue(request, CODEC_TOKEN_COOKIE);
    if (!presented) return false;
    const presentedDigest = digest(presented);
    // Digests have equal length, so the comparison time says nothing about the token.
    return tokenDigests.some((candidate) => timingSafeEqual(candidate, presentedDigest));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<number> => {
    const origin = request.headers.origin;
    if (origin && allowedOrigins.has(origin)) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Access-Control-Allow-Credentials', 'true');
      response.setHeader('Vary', 'Origin');
    }
    const path = new URL(request.url ?? '/', 'http://codec').pathname;
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS') {
      if (!origin || !allowedOrigins.has(origin)) return send(response, 403, { error: 'origin not allowed' });
      response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      response.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
      response.setHeader('Access-Control-Max-Age', '600');
      response.writeHead(204).end();
      return 204;
    }
    if (path === '/healthz') return send(response, 200, { status: 'ok' });
    if (path === '/login') {
      if (method === 'GET') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage);
        return 200;
      }
      if (method !== 'POST') return send(response, 405, { error: 'use GET or POST' });
      const token = new URLSearchParams(await readBody(request, 4096)).get('token') ?? '';
      if (!tokenDigests.some((candidate) => timingSafeEqual(candidate, digest(token)))) return send(response, 401, { error: 'wrong token' });
      response.setHeader('Set-Cookie', `${CODEC_TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
      return send(response, 200, { status: 'signed in: the UI may now decode payloads through this server' });
    }
    const operation = /^(?:\/[^/]+)?\/(encode|decode)$/.exec(path)?.[1] as 'encode' | 'decode' | undefined;
    if (!operation) return send(response, 404, { error: 'not found: POST /encode or /decode' });
    if (method !== 'POST') return send(response, 405, { error: 'use POST' });
    if (!isAuthorized(request)) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      return send(response, 401, { error: 'a valid bearer token is required' });
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request, maxBodyBytes));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, 'the body is not JSON');
    }
    const parsed = codecRequestSchema.safeParse(body);
    if (!parsed.success) throw new HttpError(400, 'expected {"payloads": [{"metadata": {...}, "data": "base64"}]}');
    const payloads = parsed.data.payloads.map(fromJson);
    let result: Payload[];
    try {
      result = operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    } catch (error) {
      throw new HttpError(400, `cannot ${operation}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return send(response, 200, { payloads: result.map(toJson) });
  };

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://codec').pathname;
    handle(request, response)
      .catch((error: unknown) => send(response, error instanceof HttpError ? error.status : 500, { error: error instanceof HttpError ? error.message : 'internal error' }))
      .then((status) => options.onRequest?.({ method: request.method ?? '', path, status }))
      .catch(() => undefined);
  });
  return serveHttp(server, options.host ?? '127.0.0.1', options.port ?? 0);
}

function send(response: ServerResponse, status: number, body: object): number {
  if (!response.headersSent) response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
  return status;
}
