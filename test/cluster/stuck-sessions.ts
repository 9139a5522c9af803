/**
 * What a session that stopped making progress is doing: its status, its pending workflow task and activities, and
 * the last events of its history (with a failed workflow task's message). The fault suite prints this when a driver
 * is still waiting long after the faults, instead of sitting until the test's own timeout.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const HISTORY_TAIL = 12;

const { EventType } = proto.temporal.api.enums.v1;

export interface StuckSession {
  /** Several lines: status, pending work, the history's last events. */
  detail: string;
  /** One line for a test failure's message: status, pending workflow task, last events, last task failure. */
  summary: string;
}

export async function describeStuckSession(client: Client, workflowId: string): Promise<StuckSession> {
  const lines: string[] = [`${workflowId}:`];
  try {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const raw = description.raw;
    lines.push(`  status ${description.status.name}, history length ${raw.workflowExecutionInfo?.historyLength ?? '?'}`);
    const task = raw.pendingWorkflowTask;
    if (task) lines.push(`  pending workflow task: state ${task.state}, attempt ${task.attempt ?? '?'}`);
    for (const activity of raw.pendingActivities ?? []) {
      lines.push(`  pending activity ${activity.activityType?.name}: state ${activity.state}, attempt ${activity.attempt}, last failure ${activity.lastFailure?.message ?? '-'}`);
    }
    const events = (await handle.fetchHistory()).events ?? [];
    let lastTaskFailure = '';
    for (const event of events) {
      const failed = event.workflowTaskFailedEventAttributes;
      if (failed) lastTaskFailure = `cause ${failed.cause}: ${failed.failure?.message ?? ''}`.slice(0, 300);
    }
    for (const event of events.slice(-HISTORY_TAIL)) lines.push(`  #${event.eventId} ${EventType[event.eventType ?? 0]}`);
    if (lastTaskFailure) lines.push(`  last workflow task failure: ${lastTaskFailure}`);
    const lastEvents = events.slice(-3).map((event) => EventType[event.eventType ?? 0]?.replace('EVENT_TYPE_', '')).join(',');
    const summary = `${description.status.name}${task ? ` task attempt ${task.attempt}` : ''} last ${lastEvents}${lastTaskFailure ? ` (task failed: ${lastTaskFailure})` : ''}`;
    return { detail: lines.join('\n'), summary };
  } catch (error) {
    const message = `could not describe: ${(error as Error).message}`;
    return { detail: `${lines[0]}\n  (${message})`, summary: message };
  }
}
