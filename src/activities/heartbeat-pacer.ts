import type { Context } from '@temporalio/activity';

/** The shortest interval between heartbeats a pacer sends, ms. */
const MIN_INTERVAL_MS = 200;

export interface HeartbeatPacer {
  /** Records progress; it goes out with the next beat. */
  progress(details: unknown): void;
  stop(): void;
}

/**
 * Heartbeats an activity on a timer, a third of its heartbeat timeout apart, with the latest progress. A heartbeat
 * says "this worker is alive", so it beats whether or not progress is made (a model may think for longer than the
 * timeout before its first token). The first beat goes out after one interval, not at once: the server counts the
 * heartbeat timeout from the attempt's start, so a lost worker is noticed as soon either way, and a call that ends
 * within the interval (most tool calls, short model calls) costs no heartbeat round trip at all — measured in
 * bench/RESULTS.md as a few milliseconds of server and worker CPU a call. In a local activity it does nothing.
 */
export function startHeartbeats(context: Context, initial: unknown): HeartbeatPacer {
  // A local activity has no heartbeats (the server does not know of it until its marker is recorded): its worker's
  // liveness is the workflow task's, which the SDK keeps alive itself.
  if (context.info.isLocal) return { progress() {}, stop() {} };
  let details = initial;
  const intervalMs = Math.max(MIN_INTERVAL_MS, (context.info.heartbeatTimeoutMs ?? 30_000) / 3);
  const timer = setInterval(() => context.heartbeat(details), intervalMs);
  return {
    progress(update) {
      details = update;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
