/** Durations on the command line: `90s`, `30m`, `24h`, `7d`. Client-side. */
import { msToNumber } from '@temporalio/common';
import { CliError } from './cli-context.js';

/** Milliseconds in `text`. @throws CliError (exit 2) naming the flag when it is not a positive duration. */
export function parseDuration(text: string, flag: string): number {
  let milliseconds: number;
  try {
    milliseconds = msToNumber(text as never);
  } catch {
    milliseconds = Number.NaN;
  }
  if (!Number.isFinite(milliseconds) || milliseconds <= 0) throw new CliError(`${flag} ${text}: expected a duration such as 90s, 30m, 24h or 7d`, 2);
  return milliseconds;
}
