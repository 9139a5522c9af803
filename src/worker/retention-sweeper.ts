/**
 * Retention: a worker-side timer that deletes what finished sessions left behind (stored content, snapshots,
 * session directories) once they have been closed for `KEEL_RETENTION_DAYS`. It lists the sessions that own data
 * here and asks Temporal about each: a run still open is kept; a closed one is purged after the retention period;
 * one Temporal no longer knows (its history outlived the namespace's own retention) is purged too. So a content
 * store must serve one namespace. Each sweep runs after the previous one ends; errors are logged and retried at
 * the next sweep. Worker-side.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { purgeSession, sessionsWithData, type PurgeReport, type SessionDataLocations } from './purge-session.js';

export interface RetentionSweeperOptions extends SessionDataLocations {
  client: Client;
  /** How long a closed session's data is kept, days (env `KEEL_RETENTION_DAYS`). */
  retentionDays: number;
  /** Time between sweeps, ms. @default 3600000 (one hour) */
  intervalMs?: number;
  logger?: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
}

export interface RetentionSweeper {
  /** One sweep now; resolves with what it purged. */
  sweep(): Promise<PurgeReport[]>;
  stop(): Promise<void>;
}

/** Whether `sessionId` ended more than `retentionMs` ago (or is unknown to Temporal). */
async function isExpired(client: Client, sessionId: string, retentionMs: number, now: number): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(sessionId).describe();
    if (description.status.name === 'RUNNING' || description.status.name === 'CONTINUED_AS_NEW') return false;
    // A session that failed keeps its content and snapshots, for `keel fork` to start again from a turn of it
    // (and for `keel replay`): only `keel purge` deletes it.
    if (description.status.name === 'FAILED' || description.status.name === 'TIMED_OUT') return false;
    const closed = description.closeTime?.getTime();
    return closed !== undefined && now - closed >= retentionMs;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return true;
    throw error;
  }
}

export function startRetentionSweeper(options: RetentionSweeperOptions): RetentionSweeper {
  const retentionMs = options.retentionDays * 24 * 60 * 60 * 1000;
  const sweep = async (): Promise<PurgeReport[]> => {
    const now = Date.now();
    const purged: PurgeReport[] = [];
    for (const sessionId of await sessionsWithData(options)) {
      try {
        if (!(await isExpired(options.client, sessionId, retentionMs, now))) continue;
        const report = await purgeSession(options, sessionId);
        purged.push(report);
        // Counts only: a session id is not conversation content, but nothing of its content is logged.
        options.logger?.info({ ...report }, 'retention: purged a finished session');
      } catch (error) {
        options.logger?.warn({ sessionId, error: (error as Error).message }, 'retention: could not purge a session; retried at the next sweep');
      }
    }
    return purged;
  };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep()
        .catch((error: unknown) => options.logger?.warn({ error: (error as Error).message }, 'retention: sweep failed'))
        .finally(schedule);
    }, options.intervalMs ?? 60 * 60 * 1000);
    timer.unref();
  };
  schedule();
  return {
    sweep,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
