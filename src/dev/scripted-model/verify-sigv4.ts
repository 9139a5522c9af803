/**
 * Checks an AWS SigV4 signature the way AWS does: signs the request again, from the headers it names as signed, its
 * path, query and body, at the time in its `x-amz-date`, with the secret key of the access key id it names, and
 * compares. A request whose body or signed headers changed after signing fails. Uses `@smithy/signature-v4` and
 * `@aws-crypto/sha256-js`, which come with `@anthropic-ai/bedrock-sdk`, loaded only when a check is asked for. Dev
 * side only.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SigV4Credential } from './cloud-routes.js';

/** `20261207T031500Z` as a Date; undefined when it is not in that form. */
function amzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
}

/** True when `credential` is a valid signature of the request with `secretAccessKey`. Never throws on bad input. */
export async function verifySigV4(
  credential: SigV4Credential,
  request: { method: string; rawUrl: string; headers: IncomingHttpHeaders; body: string },
  secretAccessKey: string,
): Promise<boolean> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const signingDate = amzDate(String(request.headers['x-amz-date'] ?? ''));
  if (!signingDate) return false;
  const url = new URL(request.rawUrl, 'http://stand-in');
  const headers: Record<string, string> = {};
  for (const name of credential.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query = Object.fromEntries([...new Set(url.searchParams.keys())].map((key) => [key, url.searchParams.getAll(key)]));
  const signer = new SignatureV4({
    service: credential.service,
    region: credential.region,
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers['host'] ?? url.hostname, path: url.pathname, query, headers, body: request.body },
    { signingDate },
  );
  const authorization = String(signed.headers['authorization'] ?? '');
  return authorization.endsWith(`Signature=${credential.signature}`);
}
