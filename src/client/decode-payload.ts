import type { LoadedDataConverter, Payload } from '@temporalio/common';

/**
 * A payload read from a history, as its value: through the converter's codecs (the last applied is undone first) and
 * its payload converter. Undefined for no payload. Client-side. @throws when a codec cannot open it (a key missing
 * from `KEEL_ENCRYPTION_KEYS`) or the converter cannot read it.
 */
export async function decodePayload<T = unknown>(converter: LoadedDataConverter, payload: Payload | null | undefined): Promise<T | undefined> {
  if (!payload) return undefined;
  let decoded = [payload];
  for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return converter.payloadConverter.fromPayload(decoded[0]!) as T;
}
