import { randomInt } from 'node:crypto';

/** Steps of a draw: shares are honoured to one in a million. */
const DRAW_STEPS = 1_000_000;

/**
 * `drawCanary`: a uniform draw in [0, 1) for choosing a new session's canary profile. Run as a local activity, so
 * the draw is recorded in the session's history and replay takes the same branch.
 */
export function createDrawCanary() {
  return async function drawCanary(): Promise<number> {
    return randomInt(DRAW_STEPS) / DRAW_STEPS;
  };
}
