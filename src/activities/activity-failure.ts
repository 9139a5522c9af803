/**
 * The activity edge: every error an activity lets out becomes an `ApplicationFailure` whose type a client can match
 * on (`shared/failure-types.ts`) and whose `nonRetryable` and `nextRetryDelay` steer Temporal's retry policy. Keel's
 * own errors say both (`retryable`, `failureType`); anything else is the caller's fallback. Worker-side.
 */
import { ApplicationFailure } from '@temporalio/common';
import { AgentRuntimeError, ModelError } from '../errors.js';

/** How to name an error that is not one of Keel's own (a library's error that nothing mapped, or a bug). */
export interface FallbackFailure {
  /** The failure type, from `FailureTypes`. */
  type: string;
  /** @default true: an unknown error may well pass on a second attempt, and the retry policy bounds the attempts */
  retryable?: boolean;
}

/**
 * @returns `error` as the `ApplicationFailure` an activity throws. An `ApplicationFailure` passes through as it is.
 * A {@link ModelError}'s message carries the provider's request id (never request headers: the API key stays on the
 * worker), and its `retry-after` becomes `nextRetryDelay`.
 */
export function toActivityFailure(error: unknown, fallback?: FallbackFailure): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (ModelError.isInstance(error)) {
    return ApplicationFailure.create({
      type: error.failureType,
      message: error.requestId ? `${error.message} (request ${error.requestId})` : error.message,
      nonRetryable: !error.retryable,
      // A zero delay (`retry-after: 0`) would end the retries at once: leave the retry policy's own backoff then.
      ...(error.retryable && error.retryAfterMs !== undefined && error.retryAfterMs > 0 ? { nextRetryDelay: error.retryAfterMs } : {}),
      details: [{ status: error.status ?? null, requestId: error.requestId ?? null }],
    });
  }
  if (AgentRuntimeError.isInstance(error)) {
    return ApplicationFailure.create({ type: error.failureType, message: error.message, nonRetryable: !error.retryable });
  }
  // Without a fallback, named as Temporal itself names an error thrown from an activity: by its class, retryable.
  return ApplicationFailure.create({
    type: fallback?.type ?? (error instanceof Error ? error.name : 'Error'),
    message: error instanceof Error ? error.message : String(error),
    nonRetryable: fallback?.retryable === false,
  });
}
