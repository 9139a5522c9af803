/**
 * CPU time used by processes, from /proc (Linux). On a shared machine wall time is noisy, but the CPU a turn costs
 * each process (dev server, worker, client) is not: it is the figure that says what a turn needs.
 */
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = 100;

/** User + system CPU time of a process so far, ms; undefined when it cannot be read. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    return ((userTicks + systemTicks) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** Pids of the direct children of `parentPid` whose command name starts with `name`. */
export function childPids(parentPid: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === parentPid && command.startsWith(name)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** CPU time used by a set of processes between `start()` and `stop()`, ms each. */
export class CpuMeter {
  readonly #start = new Map<string, number>();
  constructor(readonly processes: Record<string, number | undefined>) {
    for (const [name, pid] of Object.entries(processes)) {
      const cpu = pid === undefined ? undefined : processCpuMs(pid);
      if (cpu !== undefined) this.#start.set(name, cpu);
    }
  }

  /** CPU ms each process used since construction. */
  read(): Record<string, number> {
    const used: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.processes)) {
      const start = this.#start.get(name);
      const now = pid === undefined ? undefined : processCpuMs(pid);
      if (start !== undefined && now !== undefined) used[name] = now - start;
    }
    return used;
  }
}
