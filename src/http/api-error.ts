/**
 * What the HTTP API answers when it refuses a request: `{error: {type, message}}` with the status the contract
 * names (400 naming the field, 401, 404, 409 for a session that has ended), never a stack trace. Server-side.
 */
import { z } from 'zod';
import { AgentRuntimeError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';

/** Error types in the body, one per reason a client may act on. */
export const apiErrorTypes = [
  'invalid_request',
  'unauthorized',
  'not_found',
  'session_ended',
  'rejected',
  'conflict',
  'too_large',
  'too_many_streams',
  'timeout',
  'unavailable',
  'internal',
] as const;
export type ApiErrorType = (typeof apiErrorTypes)[number];

export const apiErrorBodySchema = z.object({
  error: z.object({ type: z.enum(apiErrorTypes), message: z.string() }),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

/** The status each type is answered with. */
export const apiErrorStatus = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  session_ended: 409,
  rejected: 409,
  conflict: 409,
  too_large: 413,
  too_many_streams: 429,
  timeout: 504,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<ApiErrorType, number>;

/** A request the API refuses. Never retried by the server; `type` and `status` tell the client why. */
export class ApiError extends AgentRuntimeError {
  readonly status: (typeof apiErrorStatus)[ApiErrorType];

  constructor(
    readonly type: ApiErrorType,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, { retryable: false, failureType: FailureTypes.HttpRequestRefused }, options);
    this.status = apiErrorStatus[type];
  }

  get body(): ApiErrorBody {
    return { error: { type: this.type, message: this.message } };
  }
}

/** The one 404 of the API: an unknown session and another tenant's read the same, so neither is an oracle. */
export function sessionNotFound(id: string): ApiError {
  return new ApiError('not_found', `no session ${JSON.stringify(id.length > 200 ? `${id.slice(0, 200)}...` : id)}`);
}
