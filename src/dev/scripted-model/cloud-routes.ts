/**
 * The routes of the scripted model server: Anthropic's `POST /v1/messages`, and the same Messages API as Amazon
 * Bedrock and Google Vertex AI serve it, where the model and the streaming choice move from the body into the path,
 * the API version moves from a header into the body (`anthropic_version`), and the caller proves itself with AWS
 * SigV4 or a Google OAuth bearer token. Each cloud request is checked the way that cloud checks it, then turned
 * into the canonical Messages request, so one script and one set of validations serve all three. Dev side only:
 * plain functions, no I/O.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isRecord } from './is-record.js';

/** Who serves the request, by its path. */
export type ApiPlatform = 'anthropic' | 'bedrock' | 'vertex';

/** What a request's path says. */
export interface ApiRoute {
  platform: ApiPlatform;
  /** The model id from the path (clouds only). */
  model?: string;
  /** Whether the path asks for a stream (clouds only; Anthropic's API reads `stream` from the body). */
  stream?: boolean;
  /** Vertex AI's project and location from the path. */
  project?: string;
  location?: string;
}

/**
 * The form of `anthropic_version` in a cloud request's body: the clouds' own first versions, or a dated API version
 * (Anthropic's SDKs for the clouds move the `anthropic-version` header they were built with into the body).
 */
const apiVersionPattern = /^(bedrock-2023-05-31|vertex-2023-10-16|\d{4}-\d{2}-\d{2})$/;

const bedrockPath = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/;
const vertexPath = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

/** The route of `path` (without the query string), or undefined when no platform serves it. */
export function routeOf(path: string): ApiRoute | undefined {
  if (path === '/v1/messages') return { platform: 'anthropic' };
  const bedrock = bedrockPath.exec(path);
  if (bedrock) return { platform: 'bedrock', model: decodeURIComponent(bedrock[1]!), stream: bedrock[2] === 'invoke-with-response-stream' };
  const vertex = vertexPath.exec(path);
  if (vertex) {
    return {
      platform: 'vertex',
      project: decodeURIComponent(vertex[1]!),
      location: decodeURIComponent(vertex[2]!),
      model: decodeURIComponent(vertex[3]!),
      stream: vertex[4] === 'streamRawPredict',
    };
  }
  return undefined;
}

/** An AWS Signature Version 4 `Authorization` header, taken apart. */
export interface SigV4Credential {
  accessKeyId: string;
  /** `YYYYMMDD` of the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** Whether the signature is right, when the server knows the secret key to check it with. */
  valid?: boolean;
}

const sigV4Header =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** The SigV4 credential of a request, or undefined when its `Authorization` is not a SigV4 signature. */
export function sigV4CredentialOf(headers: IncomingHttpHeaders): SigV4Credential | undefined {
  const match = sigV4Header.exec(headers.authorization ?? '');
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: signedHeaders!.split(';'), signature: signature! };
}

export type CanonicalBody = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * The canonical Messages request of a cloud request's body: `anthropic_version` checked and dropped, the model and
 * the streaming choice taken from the path. A body that names a `model` is refused, as the clouds refuse it.
 */
export function canonicalBody(route: ApiRoute, body: unknown): CanonicalBody {
  if (route.platform === 'anthropic' || !isRecord(body)) return { ok: true, value: body };
  const { anthropic_version: version, ...rest } = body;
  if (typeof version !== 'string' || !apiVersionPattern.test(version)) {
    return { ok: false, message: `anthropic_version: Field required: an API version such as "${route.platform}-2023-${route.platform === 'bedrock' ? '05-31' : '10-16'}", got ${JSON.stringify(version ?? null)}` };
  }
  if ('model' in rest) return { ok: false, message: 'extraneous key [model] is not permitted: the model is named in the path' };
  return { ok: true, value: { ...rest, model: route.model, stream: route.stream === true } };
}
