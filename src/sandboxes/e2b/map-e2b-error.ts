/**
 * Classifies what the `e2b` SDK throws into a {@link SandboxError}: which failures Temporal should retry and under
 * which failure type a user reads them. Worker-side.
 *
 * Retryable: rate limits (`Sandbox.RateLimit`), a busy service (`Sandbox.Unavailable`), request timeouts and a
 * sandbox that stopped answering (`Sandbox.Timeout`), dropped or refused connections (`Sandbox.Connection`), 5xx
 * and unclassified SDK errors (`Sandbox.ServerError`). Not retryable: a missing or wrong API key (`Sandbox.Auth`),
 * a sandbox that no longer exists (`Sandbox.NotFound`), an unknown template (`Sandbox.TemplateNotFound`, create
 * only) and requests the service refused as invalid (`Sandbox.BadRequest`).
 *
 * SDK errors are recognised by `name` (the SDK sets one per class), not by `instanceof`. Messages carry the SDK's
 * words, never request headers: the API key and the sandbox's access token stay on the worker.
 */
import { SandboxError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';

export interface MapE2BErrorOptions {
  /** Failure type for an HTTP 404 without a more specific class (create: the template is unknown). */
  notFoundType?: string;
}

interface Classification {
  failureType: string;
  retryable: boolean;
}

const byName: Record<string, Classification> = {
  AuthenticationError: { failureType: FailureTypes.SandboxAuth, retryable: false },
  RateLimitError: { failureType: FailureTypes.SandboxRateLimit, retryable: true },
  ServiceBusyError: { failureType: FailureTypes.SandboxUnavailable, retryable: true },
  SandboxNotFoundError: { failureType: FailureTypes.SandboxNotFound, retryable: false },
  TimeoutError: { failureType: FailureTypes.SandboxTimeout, retryable: true },
  AbortError: { failureType: FailureTypes.SandboxTimeout, retryable: true },
  InvalidArgumentError: { failureType: FailureTypes.SandboxBadRequest, retryable: false },
  TemplateError: { failureType: FailureTypes.SandboxBadRequest, retryable: false },
  NotEnoughSpaceError: { failureType: FailureTypes.SandboxServerError, retryable: false },
};

function byStatus(status: number, options: MapE2BErrorOptions): Classification | undefined {
  if (status === 401 || status === 403) return { failureType: FailureTypes.SandboxAuth, retryable: false };
  if (status === 404) return { failureType: options.notFoundType ?? FailureTypes.SandboxNotFound, retryable: false };
  if (status === 408) return { failureType: FailureTypes.SandboxTimeout, retryable: true };
  if (status === 429) return { failureType: FailureTypes.SandboxRateLimit, retryable: true };
  if (status === 503) return { failureType: FailureTypes.SandboxUnavailable, retryable: true };
  if (status >= 500) return { failureType: FailureTypes.SandboxServerError, retryable: true };
  if (status >= 400) return { failureType: FailureTypes.SandboxBadRequest, retryable: false };
  return undefined;
}

/** Converts anything an E2B call threw into a classified {@link SandboxError}; `action` says what was tried. */
export function mapE2BError(error: unknown, action: string, options: MapE2BErrorOptions = {}): SandboxError {
  if (SandboxError.isInstance(error)) return error;
  const name = error instanceof Error || error instanceof DOMException ? error.name : undefined;
  const message = error instanceof Error || error instanceof DOMException ? error.message : String(error);
  const status = typeof (error as { statusCode?: unknown } | null)?.statusCode === 'number' ? (error as { statusCode: number }).statusCode : undefined;
  const classification =
    (name ? byName[name] : undefined) ??
    (status !== undefined ? byStatus(status, options) : undefined) ??
    (name === 'NotFoundError' ? { failureType: FailureTypes.SandboxNotFound, retryable: false } : undefined) ??
    // fetch's TypeError ("fetch failed", "terminated"): the connection was refused or dropped.
    (error instanceof TypeError ? { failureType: FailureTypes.SandboxConnection, retryable: true } : undefined) ??
    { failureType: FailureTypes.SandboxServerError, retryable: true };
  const where = status !== undefined ? ` (HTTP ${status})` : '';
  return new SandboxError(`E2B: could not ${action}${where}: ${message}`, classification, { cause: error });
}
