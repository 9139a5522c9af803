/**
 * Keel's error classes (worker and client side). One identity mechanism: `XxxError.isInstance(error)`, never bare
 * `instanceof`, because errors cross module copies (a package installed twice, the workflow sandbox's own realm)
 * where prototypes differ. Each instance carries a registry symbol per class of its ancestry
 * (`Symbol.for('keel.error.<ClassName>')`), and `isInstance` looks for the class's own symbol: true for that class
 * and its subclasses only, from whichever copy of this module made the error.
 *
 * Every error says whether trying again may help (`retryable`) and which failure type (`shared/failure-types.ts`)
 * names it to clients; `activities/activity-failure.ts` turns both into an `ApplicationFailure` at the activity edge.
 */
import { FailureTypes } from './shared/failure-types.js';

/** What every Keel error carries besides its message. */
export interface ErrorDetails {
  /** Whether Temporal's retry policy should try the failed work again. */
  retryable: boolean;
  /** The `ApplicationFailure` type clients match on, from {@link FailureTypes}. */
  failureType: string;
}

function markerOf(className: string): symbol {
  return Symbol.for(`keel.error.${className}`);
}

/** Base of every error Keel raises. */
export class AgentRuntimeError extends Error {
  readonly retryable: boolean;
  readonly failureType: string;

  constructor(message: string, details: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.retryable = details.retryable;
    this.failureType = details.failureType;
    // One marker per class from this one up to the base, so `isInstance` of any ancestor answers true.
    for (let type: unknown = new.target; typeof type === 'function' && type !== Error; type = Object.getPrototypeOf(type)) {
      Object.defineProperty(this, markerOf((type as { name: string }).name), { value: true, enumerable: false });
    }
  }

  /** True when `error` is an instance of this class (or a subclass), from any copy of this module. */
  static isInstance<T extends AgentRuntimeError>(this: abstract new (...args: never[]) => T, error: unknown): error is T {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[markerOf(this.name)] === true;
  }
}

/** A configuration file, profile or environment variable is wrong. Fatal at start; never retried. */
export class ConfigError extends AgentRuntimeError {
  constructor(message: string, options?: { cause?: unknown; failureType?: string }) {
    super(message, { retryable: false, failureType: options?.failureType ?? FailureTypes.ConfigInvalid }, options);
  }
}

/** Input that breaks a schema (session input, update argument). `issues` names the fields. */
export class ValidationError extends AgentRuntimeError {
  constructor(
    message: string,
    readonly issues: string,
  ) {
    super(message, { retryable: false, failureType: FailureTypes.InvalidSessionInput });
  }
}

/** A model provider call failed. `retryAfterMs` is the provider's own advice on when to try again. */
export class ModelError extends AgentRuntimeError {
  readonly status?: number;
  readonly requestId?: string;
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    details: ErrorDetails & { status?: number; requestId?: string; retryAfterMs?: number },
    options?: { cause?: unknown },
  ) {
    super(message, details, options);
    this.status = details.status;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The session refused a message or decision (its update validator said no): the session has ended, or the input is invalid. */
export class MessageRejectedError extends AgentRuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { retryable: false, failureType: FailureTypes.MessageRejected }, options);
  }
}

/**
 * A tool could not do what the model asked (bad input, path outside the session, command failed to start). Not a
 * failure of the session: its `content` goes back to the model as an `is_error` tool result.
 */
export class ToolError extends AgentRuntimeError {
  constructor(
    readonly content: string,
    options?: { cause?: unknown },
  ) {
    super(content, { retryable: false, failureType: FailureTypes.ToolFailed }, options);
  }
}

/** A sandbox provider failed (could not create, connect or run). Keeps the provider's error as `cause`. */
export class SandboxError extends AgentRuntimeError {}

/**
 * The content store failed: it could not be reached, or content a session refers to is missing or corrupt there.
 * `retryable` is true when trying again may succeed (a connection failed).
 */
export class StoreError extends AgentRuntimeError {}

/**
 * An MCP server could not be reached, stopped mid-call or did not answer in time. Retryable: a tool the server marks
 * idempotent or read-only is tried again (on a restarted server); any other call comes back to the model as a tool
 * error.
 */
export class McpServerError extends AgentRuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { retryable: true, failureType: FailureTypes.ToolFailed }, options);
  }
}
