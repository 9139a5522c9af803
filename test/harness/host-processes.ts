/** Processes of this machine, as a test that must see a command die (not merely its sandbox end) looks for them. */
import { readdirSync, readFileSync } from 'node:fs';

/** Host processes (other than this one) whose command line contains `marker`. */
export function hostProcessesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found.filter((pid) => pid !== process.pid);
}
