/**
 * Replays sessions' recorded histories against the workflow bundle the tests run: a history that no longer replays
 * (a nondeterministic change to the workflow) fails the test naming the session, its events, and a file holding the
 * history for `keel replay`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { SessionHandle } from '../../src/client/session-client.js';
import { describeHistoryEvent, type HistoryEvent } from '../../src/client/history-events.js';
import { writeHistoryFile } from '../../src/replay/history-files.js';

/** An event's time of day (UTC, ms): workflow time comes from these, so a replay that differs may show why. */
function eventTime(event: HistoryEvent): string {
  const seconds = event.eventTime?.seconds;
  if (seconds === undefined || seconds === null) return '';
  const whole = typeof seconds === 'object' ? seconds.toNumber() : Number(seconds);
  return new Date(whole * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6)).toISOString().slice(11, 23);
}

/** Fetches each session's history (open or closed) and replays it; throws on the first that does not replay. */
export async function assertHistoriesReplay(bundle: WorkflowBundleWithSourceMap, handles: SessionHandle[]): Promise<void> {
  const histories = await Promise.all(
    handles.map(async (handle) => ({ workflowId: handle.workflowId, history: await handle.workflow.fetchHistory() })),
  );
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'keel-replay-check' }, histories)) {
    if (!result.error) continue;
    const { history } = histories.find((candidate) => candidate.workflowId === result.workflowId)!;
    // Kept for `keel replay`, and listed here: a failure seen once in a long run can be studied without running it again.
    const file = join(mkdtempSync(join(tmpdir(), 'keel-replay-failure-')), `${result.workflowId}.json`);
    await writeHistoryFile(file, history);
    const events = (history.events ?? []).map((event) => `  ${String(event.eventId)} ${eventTime(event)} ${describeHistoryEvent(event)}`).join('\n');
    throw new Error(`history of ${result.workflowId} does not replay: ${String(result.error)}\nthe history (also in ${file}):\n${events}`, { cause: result.error });
  }
}
