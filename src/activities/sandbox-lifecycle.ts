import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { requireOwnSession } from '../sandboxes/sandbox-owner.js';
import type { SandboxRegistry } from '../sandboxes/sandbox-registry.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { SandboxOptions } from '../shared/schemas/session-input.js';
import type { SandboxReference } from '../shared/schemas/tools.js';
import { toActivityFailure } from './activity-failure.js';
import { activitySessionId } from './activity-session.js';

export interface CreateSandboxRequest {
  sessionId: string;
  sandbox: SandboxOptions;
}

/**
 * `createSandbox` and `destroySandbox`: a session's sandbox comes into being before its first sandbox tool call
 * and goes when the session ends (completed, cancelled, failed). Both are idempotent: a retried create returns
 * the same sandbox, a second destroy does nothing. Each refuses a session other than the calling workflow's.
 */
export function createSandboxLifecycle(dependencies: { sandboxes: SandboxRegistry }) {
  return {
    async createSandbox(request: CreateSandboxRequest): Promise<SandboxReference> {
      const { provider: name, ...options } = request.sandbox;
      if (name === 'none') throw ApplicationFailure.nonRetryable('createSandbox called for a session without a sandbox', FailureTypes.SandboxUnavailable);
      try {
        requireOwnSession(request.sessionId, Context.current().info.workflowExecution?.workflowId);
        heartbeat();
        // The session is the workflow Temporal runs this for: a request naming another session (or a snapshot of
        // one) reaches nothing of it.
        return await dependencies.sandboxes.get(name).create(activitySessionId(), options);
      } catch (error) {
        throw toActivityFailure(error, { type: FailureTypes.ToolFailed });
      }
    },
    async destroySandbox(ref: SandboxReference): Promise<void> {
      try {
        requireOwnSession(ref.sessionId, Context.current().info.workflowExecution?.workflowId);
        heartbeat();
        await dependencies.sandboxes.get(ref.provider).destroy({ ...ref, sessionId: activitySessionId() });
      } catch (error) {
        throw toActivityFailure(error, { type: FailureTypes.ToolFailed });
      }
    },
  };
}
