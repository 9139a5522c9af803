/**
 * Keel's error classes (worker and client side). Identity is checked by `name`, never by bare `instanceof`:
 * errors cross module copies and the workflow sandbox, where prototypes differ.
 */

/** Base of every error Keel raises. */
export class AgentRuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** True when `error` is a Keel error of this class or a subclass, by name. */
  static isInstance(error: unknown): error is AgentRuntimeError {
    return error instanceof Error && typeof (error as { isKeelError?: unknown }).isKeelError === 'boolean';
  }

  readonly isKeelError = true;
}

/** A configuration file, profile or environment variable is wrong. Fatal at start. */
export class ConfigError extends AgentRuntimeError {}

/** Input that breaks a schema (session input, update argument). `issues` names the fields. */
export class ValidationError extends AgentRuntimeError {
  constructor(
    message: string,
    readonly issues: string,
  ) {
    super(message);
  }
}

/** A model provider call failed. `retryable` says whether Temporal's retry policy should try again. */
export class ModelError extends AgentRuntimeError {
  constructor(
    message: string,
    readonly details: { status?: number; requestId?: string; retryable: boolean; retryAfterMs?: number; failureType: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The session refused a message or decision (its update validator said no): the session has ended, or the input is invalid. */
export class MessageRejectedError extends AgentRuntimeError {}

/**
 * A tool could not do what the model asked (bad input, path outside the session, command failed to start). Not a
 * failure of the session: its `content` goes back to the model as an `is_error` tool result.
 */
export class ToolError extends AgentRuntimeError {
  constructor(
    readonly content: string,
    options?: { cause?: unknown },
  ) {
    super(content, options);
  }
}

/** A sandbox provider failed (could not create, connect or run). Keeps the provider's error as `cause`. */
export class SandboxError extends AgentRuntimeError {
  constructor(
    message: string,
    readonly details: { retryable: boolean; failureType: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The content store failed: it could not be reached, or content a session refers to is missing or corrupt there.
 * `retryable` is true when trying again may succeed (a connection failed, or a misconfigured worker is fixed).
 */
export class StoreError extends AgentRuntimeError {
  constructor(
    message: string,
    readonly details: { retryable: boolean; failureType: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
