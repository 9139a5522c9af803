/**
 * Creates and removes the control groups of sessions and their commands, under the parents that
 * `cgroup-detection.ts` found: memory and process-count limits per session, one group per command so that all of a
 * command's processes can be killed as one. Worker-side, Linux only.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CgroupLimits, CgroupSupport, CgroupVersion } from './cgroup-detection.js';

/** Limit files and their values for one cgroup. */
function limitWrites(version: CgroupVersion, controller: 'memory' | 'pids', limits: CgroupLimits): [string, string][] {
  if (controller === 'pids') return [['pids.max', String(limits.maxProcesses)]];
  // Swap limited too (where swap accounting is on), or a memory-hungry command would page out instead of being
  // stopped. In v1 the memory+swap limit may not go below the memory limit, hence the order.
  if (version === 1) {
    return [
      ['memory.limit_in_bytes', String(limits.memoryBytes)],
      ['memory.memsw.limit_in_bytes', String(limits.memoryBytes)],
    ];
  }
  return [
    ['memory.max', String(limits.memoryBytes)],
    ['memory.swap.max', '0'],
  ];
}

async function killAllIn(directory: string): Promise<void> {
  const killFile = join(directory, 'cgroup.kill');
  if (existsSync(killFile)) {
    await writeFile(killFile, '1').catch(() => undefined);
    return;
  }
  // v1 has no cgroup.kill: kill what is listed until nothing is (a fork bomb refills the list; the process
  // limit bounds how often).
  for (let round = 0; round < 50; round += 1) {
    const pids = (await readFile(join(directory, 'cgroup.procs'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map(Number);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(10);
  }
}

/** Removes a cgroup directory tree (children first), killing what runs in it; tolerant of a busy moment. */
async function removeTree(directory: string): Promise<void> {
  if (!existsSync(directory)) return;
  const children = await readdir(directory, { withFileTypes: true }).catch(() => []);
  for (const child of children) if (child.isDirectory()) await removeTree(join(directory, child.name));
  await killAllIn(directory);
  for (let attempt = 0; attempt < 40; attempt += 1) {
    try {
      await rmdir(directory);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // Killed tasks leave the group a moment after they die.
      if (code !== 'EBUSY') throw error;
      await sleep(25);
    }
  }
}

/** mkdir -p that survives another worker removing the empty parent group at the same moment. */
async function makeDirectory(directory: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await mkdir(directory, { recursive: true });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw error;
    }
  }
}

/** One command's cgroup(s): the files its launcher writes its pid to, and how to end it. */
export interface CommandCgroup {
  /** `cgroup.procs` files the command's first process must join before it execs. */
  procsFiles: string[];
  /** Kills every process of the command. */
  killAll(): Promise<void>;
  /** What the limits did to the command: OOM kills, refused forks. */
  events(): Promise<{ oomKills: number; processLimitHits: number }>;
  /** Kills what is left and removes the cgroup. Idempotent. */
  remove(): Promise<void>;
}

/** Creates and removes the cgroups of sessions and their commands. */
export class CgroupManager {
  constructor(
    readonly support: CgroupSupport,
    readonly limits: CgroupLimits,
  ) {}

  get limitsMemory(): boolean {
    return this.support.memoryParent !== undefined;
  }

  get limitsProcesses(): boolean {
    return this.support.pidsParent !== undefined;
  }

  #parents(): { controller: 'memory' | 'pids'; parent: string }[] {
    const parents: { controller: 'memory' | 'pids'; parent: string }[] = [];
    if (this.support.memoryParent) parents.push({ controller: 'memory', parent: this.support.memoryParent });
    // v2 has one hierarchy: memory's directory is also pids'.
    if (this.support.pidsParent && this.support.pidsParent !== this.support.memoryParent) {
      parents.push({ controller: 'pids', parent: this.support.pidsParent });
    }
    return parents;
  }

  /** The command's cgroups (one per v1 hierarchy, one for v2), created with the session's limits; undefined without cgroups. */
  async createCommandCgroup(sessionKey: string, commandId: string): Promise<CommandCgroup | undefined> {
    const version = this.support.version;
    const parents = this.#parents();
    if (!version || parents.length === 0) return undefined;
    const directories: string[] = [];
    for (const { controller, parent } of parents) {
      const session = join(parent, sessionKey);
      const command = join(session, commandId);
      await makeDirectory(command);
      const controllers = version === 2 ? (['memory', 'pids'] as const).filter((name) => this.#has(name)) : [controller];
      if (version === 2) {
        // Handed down level by level; the parent may have been removed as empty and made again meanwhile.
        const enable = controllers.map((name) => `+${name}`).join(' ');
        await writeFile(join(parent, 'cgroup.subtree_control'), enable).catch(() => undefined);
        await writeFile(join(session, 'cgroup.subtree_control'), enable).catch(() => undefined);
      }
      for (const name of controllers) {
        for (const [file, value] of limitWrites(version, name, this.limits)) {
          // Limits on the session bound its commands together; on the command too, so hosts without hierarchical
          // accounting still bound each command.
          await writeFile(join(session, file), value).catch(() => undefined);
          await writeFile(join(command, file), value).catch(() => undefined);
        }
      }
      directories.push(command);
    }
    let removed: Promise<void> | undefined;
    return {
      procsFiles: directories.map((directory) => join(directory, 'cgroup.procs')),
      killAll: async () => {
        for (const directory of directories) await killAllIn(directory);
      },
      events: async () => {
        let oomKills = 0;
        let processLimitHits = 0;
        for (const directory of directories) {
          const memoryEvents = await readFile(join(directory, version === 1 ? 'memory.oom_control' : 'memory.events'), 'utf8').catch(() => '');
          oomKills += Number(/oom_kill (\d+)/.exec(memoryEvents)?.[1] ?? 0);
          const pidsEvents = await readFile(join(directory, 'pids.events'), 'utf8').catch(() => '');
          processLimitHits += Number(/max (\d+)/.exec(pidsEvents)?.[1] ?? 0);
        }
        return { oomKills, processLimitHits };
      },
      remove: () => {
        removed ??= (async () => {
          for (const directory of directories) await removeTree(directory);
        })();
        return removed;
      },
    };
  }

  #has(controller: 'memory' | 'pids'): boolean {
    return controller === 'memory' ? this.limitsMemory : this.limitsProcesses;
  }

  /** Kills every process of the session and removes its cgroups (and Keel's parent group once empty). Idempotent. */
  async removeSession(sessionKey: string): Promise<void> {
    for (const { parent } of this.#parents()) {
      await removeTree(join(parent, sessionKey));
      // Left empty, the parent would keep the worker's own cgroup from being removed after the worker ends.
      await rmdir(parent).catch(() => undefined);
    }
  }
}
