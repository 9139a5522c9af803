import { Context, heartbeat } from '@temporalio/activity';
import { requireOwnSession } from '../sandboxes/sandbox-owner.js';
import type { SandboxRegistry } from '../sandboxes/sandbox-registry.js';
import type { SandboxReference } from '../shared/schemas/tools.js';
import { toActivityFailure } from './activity-failure.js';
import { FailureTypes } from '../shared/failure-types.js';
import { activitySessionId } from './activity-session.js';

export interface SnapshotSandboxRequest {
  sandbox: SandboxReference;
  /** The turn whose end the snapshot records. */
  turn: number;
}

/** What the history records for a snapshot: the id a fork starts from, or why none was taken. */
export interface SnapshotSandboxResult {
  turn: number;
  snapshotId?: string;
  skipped?: string;
}

/** The snapshot id of a session's sandbox at the end of a turn. */
export function snapshotIdOf(sandbox: SandboxReference, turn: number): string {
  return `${sandbox.id}-turn-${turn}`;
}

/**
 * `snapshotSandbox`: keeps a copy of the session's files at a turn boundary, so that `keel fork --at-turn` can
 * start a new session from them. Idempotent (a retry replaces the copy). Providers without snapshots skip.
 */
export function createSnapshotSandbox(dependencies: { sandboxes: SandboxRegistry }) {
  return async function snapshotSandbox(request: SnapshotSandboxRequest): Promise<SnapshotSandboxResult> {
    const provider = dependencies.sandboxes.get(request.sandbox.provider);
    if (!provider.snapshot) return { turn: request.turn, skipped: `the ${request.sandbox.provider} sandbox takes no snapshots` };
    const snapshotId = snapshotIdOf(request.sandbox, request.turn);
    let outcome: { skipped?: string };
    try {
      requireOwnSession(request.sandbox.sessionId, Context.current().info.workflowExecution?.workflowId);
      heartbeat();
      // Owned by the session Temporal runs this for, and only its own sandbox is reachable.
      outcome = await provider.snapshot({ ...request.sandbox, sessionId: activitySessionId() }, snapshotId);
    } catch (error) {
      throw toActivityFailure(error, { type: FailureTypes.ToolFailed });
    }
    return outcome.skipped ? { turn: request.turn, skipped: outcome.skipped } : { turn: request.turn, snapshotId };
  };
}
