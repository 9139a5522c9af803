import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../shared/failure-types.js';
import { formatBytes, MAX_KEEL_PAYLOAD_BYTES, TEMPORAL_PAYLOAD_LIMIT_BYTES } from '../shared/payload-limits.js';

/**
 * Refuses to hand Temporal an activity result over the payload limit: the session then fails with an error that
 * names the limit, instead of the server refusing the completion and the activity timing out and retrying.
 * Worker-side.
 * @throws ApplicationFailure `Payload.TooLarge`, not retryable.
 */
export function assertPayloadFits(value: unknown, what: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  if (bytes <= MAX_KEEL_PAYLOAD_BYTES) return;
  throw ApplicationFailure.create({
    type: FailureTypes.PayloadTooLarge,
    message: `${what} is ${formatBytes(bytes)}, over the ${formatBytes(MAX_KEEL_PAYLOAD_BYTES)} Keel allows in one Temporal payload (Temporal's limit is ${formatBytes(TEMPORAL_PAYLOAD_LIMIT_BYTES)})`,
    nonRetryable: true,
  });
}
