/**
 * Queries an eval makes of ended sessions: Temporal answers them by replaying the whole history on a worker, which
 * a busy worker may not get to before the server's query deadline (gRPC DEADLINE_EXCEEDED). Such a miss is asked
 * again, a few times, before it counts as a failure. Client-side.
 */

const DEADLINE_EXCEEDED = 4;
const ATTEMPTS = 5;

function timedOut(error: unknown): boolean {
  for (let current = error as { code?: unknown; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (current.code === DEADLINE_EXCEEDED) return true;
  }
  return false;
}

/** Runs `query`, again after a pause when it timed out on the server, at most {@link ATTEMPTS} times. */
export async function retryQuery<T>(query: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await query();
    } catch (error) {
      if (attempt >= ATTEMPTS || !timedOut(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}
