/**
 * A payload codec on the worker that keeps a payload the workflow cannot decode from failing workflow tasks. The
 * Temporal SDK decodes a signal's arguments before any workflow code runs, and a signal whose payload does not
 * decode (Python's `json.dumps` writes `NaN` into `json/plain`; an unknown encoding) fails the workflow task, and
 * every replay of that history after it: one client could stall a session for good. This codec replaces such a
 * payload, before the SDK decodes it, with a JSON marker that no Keel schema accepts, so the argument is refused
 * like any other bad one (CONTRACT.md, "Trust boundary"). It encodes nothing. Worker-side.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';

/** The field of the marker object an undecodable payload becomes. */
export const UNDECODABLE_PAYLOAD_FIELD = 'keelUndecodablePayload';

/** Encodings the SDK's default payload converter decodes. */
const decodableEncodings = new Set(['binary/null', 'binary/plain', 'json/plain']);

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

function marker(reason: string): Payload {
  return {
    metadata: { encoding: textEncoder.encode('json/plain') },
    data: textEncoder.encode(JSON.stringify({ [UNDECODABLE_PAYLOAD_FIELD]: reason })),
  };
}

function guarded(payload: Payload): Payload {
  const encodingBytes = payload.metadata?.['encoding'];
  const encoding = encodingBytes ? textDecoder.decode(encodingBytes) : undefined;
  if (encoding === undefined || !decodableEncodings.has(encoding)) return marker(`a payload of unknown encoding ${JSON.stringify(encoding ?? null).slice(0, 80)}`);
  if (encoding !== 'json/plain') return payload;
  try {
    JSON.parse(textDecoder.decode(payload.data ?? new Uint8Array()));
    return payload;
  } catch {
    return marker('a json/plain payload that is not JSON');
  }
}

export class JsonPayloadGuard implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map(guarded);
  }
}
