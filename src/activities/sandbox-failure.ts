import { ApplicationFailure } from '@temporalio/common';
import { AgentRuntimeError, type SandboxError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';

/**
 * The activity edge for sandbox and tool machinery: a {@link SandboxError} keeps its failure type and
 * retryability; anything else is a retryable `Tool.Failed` (the tool's retry policy decides whether it is retried).
 */
export function toSandboxFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (AgentRuntimeError.isInstance(error) && error.name === 'SandboxError') {
    const { details } = error as SandboxError;
    return ApplicationFailure.create({ type: details.failureType, message: error.message, nonRetryable: !details.retryable });
  }
  return ApplicationFailure.create({
    type: FailureTypes.ToolFailed,
    message: error instanceof Error ? error.message : String(error),
    nonRetryable: false,
  });
}
