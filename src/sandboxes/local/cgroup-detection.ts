/**
 * Finding the control groups (v1 or v2) that can limit the memory and process count of sandboxed commands, and
 * checking that Keel may create groups there (the manager is in `cgroup-manager.ts`). The layout, under the worker's own cgroup (so that limits put on the worker also bound its commands):
 *
 *     <worker cgroup>/keel/<session key>/          memory and process limits of the session's commands together
 *     <worker cgroup>/keel/<session key>/<command>   one command's processes, so they can be killed as one
 *
 * A command joins its cgroup before it starts (the launcher writes its own pid to `cgroup.procs`, then execs), so no
 * process it forks escapes. Detection tries every step once at worker start and reports what works. Worker-side,
 * Linux only.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
