/**
 * Reading a request to the scripted model server: its body (capped at the real API's size limit, yet drained, so
 * a 413 can still be written), its JSON, and its API key, and the checks the real API makes before a model sees
 * it, in its order: route, size, key, body (for Bedrock and Vertex AI routes, as those clouds make them). Worker/dev side only: uses `node:http` types.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { defaultErrorMessage } from './error-replies.js';
import type { Rejection } from './error-replies.js';
import type { RecordedRequest } from './script.js';
import { validateMessagesRequest } from './validate-request.js';
import { canonicalBody, routeOf } from './cloud-routes.js';

/** The real API's limit on a request body. */
const maxBodyBytes = 32 * 1024 * 1024;

/** The body as text, whole unless `tooLarge`. */
export async function readBody(request: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Keep draining past the limit so the 413 can still be written to a healthy socket.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBodyBytes) chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > maxBodyBytes };
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false };

/** The body's JSON, or `ok: false` when it is not JSON. Never throws. */
export function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The key from `x-api-key`, else from `Authorization: Bearer`. */
export function apiKeyFrom(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return bearer?.[1];
}

/** What the checks need to know of the server's settings. */
export interface RequestCheckSettings {
  readonly apiKey: string | undefined;
  readonly validate: boolean;
  readonly awsCredentials?: { accessKeyId: string } | undefined;
}

/** The checks the real API makes before a model sees the request, in its order: route, size, key, body. */
export function checkRequest(
  settings: RequestCheckSettings,
  record: RecordedRequest,
  method: string | undefined,
  body: ParsedJson,
  tooLarge: boolean,
): Rejection | undefined {
  const route = routeOf(record.path);
  if (route === undefined) {
    return { status: 404, type: 'not_found_error', message: `scripted model server: no route for ${record.path}` };
  }
  if (method !== 'POST') {
    const message = `scripted model server: ${method} not allowed on ${record.path}`;
    return { status: 405, type: 'invalid_request_error', message };
  }
  if (tooLarge) return { status: 413, type: 'request_too_large', message: defaultErrorMessage('request_too_large') };
  const refusal = route.platform === 'bedrock' ? checkSigV4(settings, record) : checkKey(settings, record);
  if (refusal !== undefined) return refusal;
  if (!body.ok) {
    return {
      status: 400,
      type: 'invalid_request_error',
      message: 'There was an error parsing the body of your request. Please make sure your request body is valid JSON.',
    };
  }
  const canonical = canonicalBody(route, body.value);
  if (!canonical.ok) return { status: 400, type: 'invalid_request_error', message: canonical.message };
  if (settings.validate) {
    const validation = validateMessagesRequest(canonical.value);
    if (!validation.ok) return { status: 400, type: 'invalid_request_error', message: validation.message };
  }
  return undefined;
}

/** Anthropic's API and Vertex AI: the key (or Google access token) the server was given, when it was given one. */
function checkKey(settings: RequestCheckSettings, record: RecordedRequest): Rejection | undefined {
  if (settings.apiKey === undefined || record.apiKey === settings.apiKey) return undefined;
  const message = record.apiKey === undefined ? 'x-api-key header is required' : 'invalid x-api-key';
  return { status: 401, type: 'authentication_error', message };
}

/**
 * Bedrock: a SigV4 signature for the `bedrock` service, dated by `x-amz-date`; when the server was given AWS
 * credentials, by that access key id and right (`valid`: computed again with its secret key).
 */
function checkSigV4(settings: RequestCheckSettings, record: RecordedRequest): Rejection | undefined {
  const credential = record.sigV4;
  if (credential === undefined || credential.service !== 'bedrock' || typeof record.headers['x-amz-date'] !== 'string') {
    return { status: 403, type: 'permission_error', message: 'Missing Authentication Token' };
  }
  const expected = settings.awsCredentials;
  if (expected !== undefined && (credential.accessKeyId !== expected.accessKeyId || credential.valid !== true)) {
    return { status: 403, type: 'permission_error', message: 'The security token included in the request is invalid.' };
  }
  return undefined;
}
