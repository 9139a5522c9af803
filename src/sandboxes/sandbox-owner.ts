/**
 * A sandbox is attached only by the session that created it. Activities compare the session a sandbox reference
 * (or a request) names with the workflow that scheduled them, which the Temporal server sets and no client can
 * forge; the providers then check that the sandbox itself belongs to that session (the local sandbox's record,
 * the E2B sandbox's tag). Worker-side.
 */
import { SandboxError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';

/**
 * @param sessionId the session a sandbox reference or request names
 * @param workflowId the scheduling workflow's id (`Context.current().info.workflowExecution?.workflowId`); an
 *   activity that no workflow scheduled owns no sandbox
 * @throws SandboxError (Sandbox.NotFound, not retryable) when they differ
 */
export function requireOwnSession(sessionId: string, workflowId: string | undefined): void {
  if (sessionId !== workflowId) {
    throw new SandboxError(`session ${workflowId} cannot use the sandbox of session ${sessionId}: a sandbox belongs to the session that created it`, {
      retryable: false,
      failureType: FailureTypes.SandboxNotFound,
    });
  }
}
