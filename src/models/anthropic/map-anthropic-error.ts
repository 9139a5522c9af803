/**
 * Classifies what the Anthropic SDK throws into a {@link ModelError}: which failures Temporal should retry, and
 * after how long. Worker-side. Retryable: 408, 409, 429, 5xx (529 overloaded included), a dropped or timed-out
 * connection, and an `error` event inside a stream of a retryable kind. Non-retryable: the other 4xx, each with a
 * failure type a user can read (`Model.Auth`, `Model.BadRequest`, ...). The server's `x-should-retry` header
 * overrides the status, as in the SDK's own retry logic, and `retry-after` becomes the next retry's delay.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { ModelError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';

const byStatus: Record<number, { failureType: string; retryable: boolean }> = {
  400: { failureType: FailureTypes.ModelBadRequest, retryable: false },
  401: { failureType: FailureTypes.ModelAuth, retryable: false },
  403: { failureType: FailureTypes.ModelPermissionDenied, retryable: false },
  404: { failureType: FailureTypes.ModelNotFound, retryable: false },
  408: { failureType: FailureTypes.ModelTimeout, retryable: true },
  409: { failureType: FailureTypes.ModelServerError, retryable: true },
  413: { failureType: FailureTypes.ModelRequestTooLarge, retryable: false },
  422: { failureType: FailureTypes.ModelBadRequest, retryable: false },
  429: { failureType: FailureTypes.ModelRateLimit, retryable: true },
  529: { failureType: FailureTypes.ModelOverloaded, retryable: true },
};

/** Error `type`s from a stream's `error` event, which carries no HTTP status. */
const byErrorType: Record<string, { failureType: string; retryable: boolean }> = {
  overloaded_error: { failureType: FailureTypes.ModelOverloaded, retryable: true },
  rate_limit_error: { failureType: FailureTypes.ModelRateLimit, retryable: true },
  api_error: { failureType: FailureTypes.ModelServerError, retryable: true },
  timeout_error: { failureType: FailureTypes.ModelTimeout, retryable: true },
  invalid_request_error: { failureType: FailureTypes.ModelBadRequest, retryable: false },
  authentication_error: { failureType: FailureTypes.ModelAuth, retryable: false },
  permission_error: { failureType: FailureTypes.ModelPermissionDenied, retryable: false },
  not_found_error: { failureType: FailureTypes.ModelNotFound, retryable: false },
  request_too_large: { failureType: FailureTypes.ModelRequestTooLarge, retryable: false },
};

/** `retry-after` / `retry-after-ms` as milliseconds, or undefined when absent or unparsable. */
export function parseRetryAfterMs(headers: Headers | undefined, now: () => number = Date.now): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds && Number.isFinite(Number(milliseconds))) return Math.max(0, Number(milliseconds));
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

/** Converts anything the SDK (or the stream) threw into a classified {@link ModelError}. */
export function mapAnthropicError(error: unknown): ModelError {
  if (ModelError.isInstance(error)) return error;
  if (error instanceof APIUserAbortError) {
    return new ModelError('model call aborted (activity cancelled or timed out)', {
      retryable: true,
      failureType: FailureTypes.ModelTimeout,
    }, { cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelError(`model call timed out: ${error.message}`, { retryable: true, failureType: FailureTypes.ModelTimeout }, { cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new ModelError(`connection to the model failed: ${error.message}`, {
      retryable: true,
      failureType: FailureTypes.ModelConnection,
    }, { cause: error });
  }
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : undefined;
    const errorType = (error.error as { error?: { type?: string } } | undefined)?.error?.type ?? error.type ?? undefined;
    const known =
      (status !== undefined ? byStatus[status] : undefined) ??
      (status !== undefined && status >= 500 ? { failureType: FailureTypes.ModelServerError, retryable: true } : undefined) ??
      (errorType ? byErrorType[errorType] : undefined) ??
      // A status-less APIError that is not a known error event: the stream broke in a way the SDK could not parse.
      { failureType: status === undefined ? FailureTypes.ModelConnection : FailureTypes.ModelBadRequest, retryable: status === undefined };
    const shouldRetry = error.headers?.get?.('x-should-retry');
    const retryable = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : known.retryable;
    const summary = error.apiMessage ?? error.message;
    const where = status !== undefined ? `HTTP ${status}` : 'stream error';
    return new ModelError(`model call failed (${where}${errorType ? ` ${errorType}` : ''}): ${summary}`, {
      status,
      requestId: error.requestID ?? undefined,
      retryable,
      retryAfterMs: parseRetryAfterMs(error.headers),
      failureType: known.failureType,
    }, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'terminated') {
    // undici's word for a response body cut off mid-stream.
    return new ModelError('connection to the model dropped mid-stream', { retryable: true, failureType: FailureTypes.ModelConnection }, { cause: error });
  }
  // Anything else (a socket reset surfacing as a plain error, a JSON parse failure of a cut stream) is transport
  // trouble: worth another attempt.
  return new ModelError(`model call failed: ${message}`, { retryable: true, failureType: FailureTypes.ModelConnection }, { cause: error });
}
