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
 * @param callsLocally the active profile runs its calls as local activities (`modelCall.local`), which came after
 * snapshots: such a turn takes its snapshot without asking the patch. Asking it there could be wrong on replay, where
 * a local activity's result is read from its marker at once and the code after it may run in an earlier workflow task
 * than it first did, before the patch's marker is known.
 */
export async function snapshotAtTurnEnd(sandbox: SessionStateView['sandbox'], sessionId: string, turn: number, callsLocally: boolean): Promise<void> {
  if (sandbox.provider !== 'local' || sandbox.id === undefined) return;
  if (!callsLocally && !isPatched('sandboxSnapshots')) return;
  await snapshotActivities.snapshotSandbox
    .executeWithOptions({ summary: `sandbox snapshot after turn ${turn}` }, [{ sandbox: { provider: 'local', id: sandbox.id, sessionId }, turn }])
    .catch((error: unknown) => {
      if (isCancellation(error)) throw error;
    });
}
