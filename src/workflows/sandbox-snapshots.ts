/**
 * Snapshots of a local sandbox at turn boundaries: after a turn's tool calls have run, the session's files are
 * copied by an activity whose result (the snapshot id) is recorded in history, so that `keel fork --at-turn N`
 * can start a new session from the files as they were at the end of turn N. Behind a patch: histories of sessions
 * begun before snapshots existed replay without the activity. Bundle-safe.
 */
import { isCancellation } from '@temporalio/workflow';
import type { SessionStateView } from '../shared/schemas/session-messages.js';
import { isPatched } from './patches.js';
import { snapshotActivities } from './session-activities.js';

/**
 * Takes the snapshot of the end of `turn` when the session has a local sandbox. A failed snapshot is logged in the
 * activity's history and does not stop the session: a fork at that turn starts from the previous snapshot.
 */
export async function snapshotAtTurnEnd(sandbox: SessionStateView['sandbox'], sessionId: string, turn: number): Promise<void> {
  if (sandbox.provider !== 'local' || sandbox.id === undefined) return;
  if (!isPatched('sandboxSnapshots')) return;
  await snapshotActivities.snapshotSandbox
    .executeWithOptions({ summary: `sandbox snapshot after turn ${turn}` }, [{ sandbox: { provider: 'local', id: sandbox.id, sessionId }, turn }])
    .catch((error: unknown) => {
      if (isCancellation(error)) throw error;
    });
}
