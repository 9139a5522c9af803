/**
 * Scheduled sessions on Temporal Schedules: a schedule whose action starts `agentSession` with one validated
 * input, on a cron. Each run is a normal session (the Temporal UI, `keel list` and every verb see it as any other)
 * whose `metadata.scheduleId` names the schedule; its workflow id is `session-<schedule id>-<time>` (Temporal adds
 * the time). Client-side; used by `SessionClient` and `keel schedule`.
 */
import { ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { SESSION_ID_PREFIX, SESSION_WORKFLOW_TYPE } from '../shared/constants.js';
import type { SessionInput } from '../shared/schemas/session-input.js';

/** The metadata key that names, in each run's input, the schedule that started it. */
export const SCHEDULE_ID_METADATA_KEY = 'scheduleId';

/** Memo key on the schedule holding its cron expression as given (the server describes it as calendars). */
const CRON_MEMO_KEY = 'keelCron';

export interface ScheduleSessionOptions {
  /** When runs start: a cron expression (`minute hour day-of-month month day-of-week`), in UTC unless `timezone`. */
  cron: string;
  /** The schedule id. @default `schedule-<uuid>` */
  scheduleId?: string;
  /** IANA time zone the cron is read in. @default UTC */
  timezone?: string;
  /** Created paused. @default false */
  paused?: boolean;
  /** A note shown with the schedule (in the Temporal UI too). */
  note?: string;
}

/** A Keel schedule as listed. */
export interface SessionScheduleSummary {
  scheduleId: string;
  /** The cron given at creation, when Keel created it. */
  cron?: string;
  paused: boolean;
  note?: string;
  /** Start times of the next runs. */
  nextRunsAt: Date[];
  /** The most recent runs: when each started and its session id. */
  recentRuns: Array<{ startedAt: Date; workflowId: string }>;
}

/** Creates the schedule. The input must already be validated; its metadata gains `scheduleId`. */
export async function createSessionSchedule(
  client: Client,
  taskQueue: string,
  input: SessionInput,
  options: ScheduleSessionOptions,
): Promise<ScheduleHandle> {
  const scheduleId = options.scheduleId ?? `schedule-${randomUUID()}`;
  const runInput: SessionInput = { ...input, metadata: { ...input.metadata, [SCHEDULE_ID_METADATA_KEY]: scheduleId } };
  return client.schedule.create({
    scheduleId,
    spec: { cronExpressions: [options.cron], ...(options.timezone ? { timezone: options.timezone } : {}) },
    action: {
      type: 'startWorkflow',
      workflowType: SESSION_WORKFLOW_TYPE,
      taskQueue,
      workflowId: `${SESSION_ID_PREFIX}${scheduleId}`,
      args: [runInput],
    },
    // A run still going when the next is due is not doubled: the next time comes round instead.
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    state: { paused: options.paused ?? false, ...(options.note ? { note: options.note } : {}) },
    memo: { [CRON_MEMO_KEY]: options.cron },
  });
}

/** The schedules whose action starts Keel sessions. */
export async function listSessionSchedules(client: Client): Promise<SessionScheduleSummary[]> {
  const found: SessionScheduleSummary[] = [];
  for await (const schedule of client.schedule.list()) {
    if (schedule.action?.type !== 'startWorkflow' || schedule.action.workflowType !== SESSION_WORKFLOW_TYPE) continue;
    const cron = schedule.memo?.[CRON_MEMO_KEY];
    found.push({
      scheduleId: schedule.scheduleId,
      ...(typeof cron === 'string' ? { cron } : {}),
      paused: schedule.state.paused,
      ...(schedule.state.note ? { note: schedule.state.note } : {}),
      nextRunsAt: schedule.info.nextActionTimes,
      recentRuns: schedule.info.recentActions.map((action) => ({ startedAt: action.takenAt, workflowId: action.action.workflow.workflowId })),
    });
  }
  return found;
}
