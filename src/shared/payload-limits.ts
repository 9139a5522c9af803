/**
 * Temporal's size limits, as Keel plans for them. Bundle-safe.
 *
 * The server refuses any single payload (an activity's input or result, a workflow input, a signal, an update's
 * argument or result, a query answer) over its blob size limit, 2 MiB unless the operator changed
 * `limit.blobSize.error`. Keel keeps what it produces well below that by storing large content by reference and
 * paging long answers, and checks what users send against it.
 */

/** Temporal's default blob size limit (`limit.blobSize.error`), bytes. */
export const TEMPORAL_PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024;

/** The most Keel puts in one payload it builds itself, bytes: a margin under the limit for envelopes and headers. */
export const MAX_KEEL_PAYLOAD_BYTES = 1536 * 1024;

/**
 * Why a message a user sends is too large, or undefined when it fits. Keel takes at most
 * {@link MAX_KEEL_PAYLOAD_BYTES} in one message: an accepted update goes back to the server inside the workflow's
 * acceptance, so a message near Temporal's limit would fail every workflow task after it.
 */
export function oversizedMessageReason(what: string, bytes: number): string | undefined {
  if (bytes <= MAX_KEEL_PAYLOAD_BYTES) return undefined;
  return `${what} is ${formatBytes(bytes)}, over the ${formatBytes(MAX_KEEL_PAYLOAD_BYTES)} Keel takes in one message (Temporal's payload limit is ${formatBytes(TEMPORAL_PAYLOAD_LIMIT_BYTES)})`;
}

/** Formats a byte count for messages: `2.0 MiB`, `512 KiB`, `300 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}
