import { ApplicationFailure } from '@temporalio/common';
import { AgentRuntimeError, ModelError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';

/**
 * The activity edge: a {@link ModelError} becomes an `ApplicationFailure` whose type a user can read and whose
 * `nonRetryable` and `nextRetryDelay` steer Temporal's retry policy. The message carries the provider's words and
 * request id, never request headers (the API key stays on the worker).
 */
export function toModelFailure(error: unknown): ApplicationFailure {
  if (error instanceof ModelError) {
    const { details } = error;
    return ApplicationFailure.create({
      type: details.failureType,
      message: details.requestId ? `${error.message} (request ${details.requestId})` : error.message,
      nonRetryable: !details.retryable,
      // A zero delay (`retry-after: 0`) would end the retries at once: leave the retry policy's own backoff then.
      ...(details.retryable && details.retryAfterMs !== undefined && details.retryAfterMs > 0 ? { nextRetryDelay: details.retryAfterMs } : {}),
      details: [{ status: details.status ?? null, requestId: details.requestId ?? null }],
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    type: AgentRuntimeError.isInstance(error) ? error.name : FailureTypes.ModelBadResponse,
    message,
    nonRetryable: false,
  });
}
