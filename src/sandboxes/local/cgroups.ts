/**
 * Memory and process-count limits for sandboxed commands through control groups, v1 or v2, where the host offers
 * them. The layout, under the worker's own cgroup (so that limits put on the worker also bound its commands):
 *
 *     <worker cgroup>/keel/<session key>/          memory and process limits of the session's commands together
 *     <worker cgroup>/keel/<session key>/<command>   one command's processes, so they can be killed as one
 *
 * A command joins its cgroup before it starts (the launcher writes its own pid to `cgroup.procs`, then execs), so no
 * process it forks escapes. Detection tries every step once at worker start and reports what works. Worker-side,
 * Linux only.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type CgroupVersion = 1 | 2;

export interface CgroupLimits {
  /** Memory of all the session's processes together (page cache and tmpfs included), bytes. */
  memoryBytes: number;
  /** Processes and threads of the session at once. */
  maxProcesses: number;
}

export interface CgroupDetectionOptions {
  /** Where procfs is mounted; tests point it at a fake tree. @default `/proc` */
  procRoot?: string;
  /** A cgroup v2 directory delegated to the worker, used instead of its own cgroup (env `KEEL_SANDBOX_CGROUP`). */
  delegatedCgroup?: string;
  /** Name of the directory Keel creates under the parent. @default `keel` */
  groupName?: string;
}

/** What detection found: a version and, per controller, the directory Keel's cgroups go under. */
export interface CgroupSupport {
  version: CgroupVersion | undefined;
  /** v1: one parent per controller; v2: the same parent for both. Missing: no limit of that kind. */
  memoryParent?: string;
  pidsParent?: string;
  /** Why a controller is not used, for the worker-start report. */
  problems: string[];
}

interface MountEntry {
  mountPoint: string;
  type: string;
  options: string[];
}

function parseMounts(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      const [, mountPoint = '', type = '', options = ''] = line.split(' ');
      // Spaces in mount points are octal-escaped in /proc/mounts.
      return { mountPoint: mountPoint.replace(/\\040/g, ' '), type, options: options.split(',') };
    });
}

/** `/proc/self/cgroup`: the worker's cgroup path per v1 controller, and its v2 path under key `''`. */
function parseOwnCgroups(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, controllers = '', path = '/'] = match;
    if (controllers === '') paths.set('', path);
    for (const controller of controllers.split(',')) if (controller) paths.set(controller, path);
  }
  return paths;
}

/** The worker's cgroup directory in a hierarchy; in a cgroup namespace the mount root is the worker's own. */
function ownDirectory(mountPoint: string, ownPath: string | undefined): string {
  const candidate = join(mountPoint, ownPath ?? '/');
  return existsSync(candidate) ? candidate : mountPoint;
}

async function canCreateChild(parent: string): Promise<string | undefined> {
  const probe = join(parent, `probe-${process.pid}-${Date.now()}`);
  try {
    await mkdir(parent, { recursive: true });
    await mkdir(probe);
    await rmdir(probe);
    // Made again with the first command; an empty group left behind would pin the worker's own cgroup.
    await rmdir(parent).catch(() => undefined);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Finds the cgroup hierarchies that can limit memory and processes, and checks that Keel can create groups there. */
export async function detectCgroups(options: CgroupDetectionOptions = {}): Promise<CgroupSupport> {
  const procRoot = options.procRoot ?? '/proc';
  const groupName = options.groupName ?? 'keel';
  const problems: string[] = [];
  let mounts: MountEntry[];
  let own: Map<string, string>;
  try {
    mounts = parseMounts(await readFile(join(procRoot, 'self/mounts'), 'utf8'));
    own = parseOwnCgroups(await readFile(join(procRoot, 'self/cgroup'), 'utf8'));
  } catch (error) {
    return { version: undefined, problems: [`cannot read the process's cgroups: ${(error as Error).message}`] };
  }

  // v1 first: where both exist (hybrid hosts), the v1 hierarchies are the ones holding the controllers.
  const v1 = (controller: string) => mounts.find((mount) => mount.type === 'cgroup' && mount.options.includes(controller));
  const memoryV1 = v1('memory');
  const pidsV1 = v1('pids');
  if (memoryV1 || pidsV1) {
    const support: CgroupSupport = { version: 1, problems };
    for (const [controller, mount] of [['memory', memoryV1], ['pids', pidsV1]] as const) {
      if (!mount) {
        problems.push(`cgroup v1 has no ${controller} controller mounted`);
        continue;
      }
      const parent = join(ownDirectory(mount.mountPoint, own.get(controller)), groupName);
      const failure = await canCreateChild(parent);
      if (failure) problems.push(`cannot create ${controller} cgroups under ${parent}: ${failure}`);
      else if (controller === 'memory') support.memoryParent = parent;
      else support.pidsParent = parent;
    }
    return support;
  }

  const v2 = mounts.find((mount) => mount.type === 'cgroup2');
  if (!v2) return { version: undefined, problems: ['no cgroup hierarchy is mounted'] };
  const base = options.delegatedCgroup ?? ownDirectory(v2.mountPoint, own.get(''));
  const available = (await readFile(join(base, 'cgroup.controllers'), 'utf8').catch(() => '')).split(/\s+/);
  const wanted = ['memory', 'pids'].filter((controller) => available.includes(controller));
  for (const controller of ['memory', 'pids']) {
    if (!wanted.includes(controller)) problems.push(`cgroup v2 at ${base} does not offer the ${controller} controller`);
  }
  if (wanted.length === 0) return { version: 2, problems };
  const parent = join(base, groupName);
  try {
    // The no-internal-process rule: controllers can be handed to children only from a cgroup without processes of
    // its own, so this fails when the worker sits in `base` itself (use a delegated cgroup then).
    await writeFile(join(base, 'cgroup.subtree_control'), wanted.map((controller) => `+${controller}`).join(' '));
    await mkdir(parent, { recursive: true });
    await writeFile(join(parent, 'cgroup.subtree_control'), wanted.map((controller) => `+${controller}`).join(' '));
  } catch (error) {
    problems.push(
      `cannot hand the ${wanted.join(' and ')} controllers to cgroups under ${base}: ${(error as Error).message}; run the worker in a delegated cgroup and set KEEL_SANDBOX_CGROUP to it`,
    );
    return { version: 2, problems };
  }
  const failure = await canCreateChild(parent);
  if (failure) {
    problems.push(`cannot create cgroups under ${parent}: ${failure}`);
    return { version: 2, problems };
  }
  return {
    version: 2,
    problems,
    ...(wanted.includes('memory') ? { memoryParent: parent } : {}),
    ...(wanted.includes('pids') ? { pidsParent: parent } : {}),
  };
}

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
