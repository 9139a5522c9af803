/**
 * Snapshots of a local sandbox at turn boundaries: after a turn's tool calls have run, the session's files are
 * copied by an activity whose result (the snapshot id) is recorded in history, so that `keel fork --at-turn N`
 * can start a new session from the files as they were at the end of turn N. Behind a patch: histories of sessions
 * begun before snapshots existed replay without the activity. Bundle-safe.
 */
import { isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { SessionActivities as Activities } from './session-activities.js';
import type { SessionStateView } from '../shared/schemas/session-messages.js';


/** The patch marker of turn-boundary snapshots. Permanent: it is stored in history. */
export const sandboxSnapshotsPatch = 'keel-sandbox-snapshots';

const { snapshotSandbox } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

/**
 * Takes the snapshot of the end of `turn` when the session has a local sandbox. A failed snapshot is logged in the
 * activity's history and does not stop the session: a fork at that turn starts from the previous snapshot.
 */
export async function snapshotAtTurnEnd(sandbox: SessionStateView['sandbox'], sessionId: string, turn: number): Promise<void> {
  if (sandbox.provider !== 'local' || sandbox.id === undefined) return;
  if (!patched(sandboxSnapshotsPatch)) return;
  await snapshotSandbox
    .executeWithOptions({ summary: `sandbox snapshot after turn ${turn}` }, [{ sandbox: { provider: 'local', id: sandbox.id, sessionId }, turn }])
    .catch((error: unknown) => {
      if (isCancellation(error)) throw error;
    });
}
