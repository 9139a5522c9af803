import type { SessionStatus } from '../../src/shared/schemas/session-messages.js';

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; the error names what was awaited. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls a session until it reports `status` (e.g. `waiting_for_input` once its turn ended); `what` names the moment. */
export async function waitForStatus(session: { state(): Promise<{ status: SessionStatus }> }, status: SessionStatus, what: string): Promise<void> {
  await waitFor(what, async () => (await session.state()).status === status);
}
