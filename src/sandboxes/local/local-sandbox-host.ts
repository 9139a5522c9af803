/**
 * What this host offers the local sandbox, found once at worker start: whether bubblewrap runs (tried for real),
 * with or without a user namespace, which cgroup limits work, and the system paths to mirror. The result says
 * which limits are in force, for the worker's start message. Worker-side.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bubblewrapArguments, sandboxEnvironment, sandboxUser, type SandboxedCommandSpec, type SystemPath } from './bubblewrap-command.js';
import { CgroupManager, detectCgroups } from './cgroups.js';
import type { LocalSandboxOptions } from './local-sandbox-options.js';
import { runProcess } from './run-process.js';

export interface LocalSandboxHost {
  /** `bubblewrap`: commands are isolated; `none`: the unsafe opt-out is on and bubblewrap cannot run. */
  isolation: 'bubblewrap' | 'none';
  /** Why bubblewrap cannot run, when it cannot. */
  bubblewrapProblem?: string;
  bubblewrapVersion?: string;
  bubblewrapPath: string;
  userNamespace: boolean;
  systemPaths: SystemPath[];
  identityFiles: SandboxedCommandSpec['identityFiles'];
  cgroups: CgroupManager;
  options: LocalSandboxOptions;
  /** Where session directories live. */
  sessionsDirectory: string;
}

const mirroredTopLevel = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** `/usr` and the directories or merged-/usr links beside it, as this host has them. */
export function systemPaths(): SystemPath[] {
  const paths: SystemPath[] = [];
  for (const path of mirroredTopLevel) {
    let stats;
    try {
      stats = lstatSync(path);
    } catch {
      continue;
    }
    if (stats.isSymbolicLink()) paths.push({ path, kind: 'symlink', target: readlinkSync(path) });
    else if (stats.isDirectory()) paths.push({ path, kind: 'bind' });
  }
  return paths;
}

async function writeIdentityFiles(directory: string): Promise<SandboxedCommandSpec['identityFiles']> {
  await mkdir(directory, { recursive: true });
  const { name, uid, gid } = sandboxUser;
  const files = {
    passwd: join(directory, 'passwd'),
    group: join(directory, 'group'),
    hosts: join(directory, 'hosts'),
  };
  await writeFile(files.passwd, `${name}:x:${uid}:${gid}:Keel sandbox:/workspace:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`);
  await writeFile(files.group, `${name}:x:${gid}:\nnogroup:x:65534:\n`);
  await writeFile(files.hosts, '127.0.0.1\tlocalhost keel-sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  return files;
}

async function bubblewrapVersion(path: string): Promise<string | undefined> {
  const result = await runProcess({ argv: [path, '--version'], environment: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeoutMs: 5_000, maxOutputBytes: 1024 }).catch(() => undefined);
  return result?.exitCode === 0 ? result.stdout.trim().replace(/^bubblewrap\s+/, '') : undefined;
}

/** Runs `true` the way real commands run; the error text when it fails. */
async function tryBubblewrap(host: Omit<LocalSandboxHost, 'isolation' | 'bubblewrapVersion'>, workspace: string): Promise<string | undefined> {
  const args = bubblewrapArguments({
    workspace,
    network: false,
    environment: sandboxEnvironment('/workspace'),
    systemPaths: host.systemPaths,
    identityFiles: host.identityFiles,
    userNamespace: host.userNamespace,
    tmpBytes: 1024 * 1024,
    rlimits: { fileSizeBytes: 1024 * 1024, openFiles: 64, cpuSeconds: 5 },
    command: 'test -w /workspace && ! test -w /usr',
  });
  const result = await runProcess({
    argv: [host.bubblewrapPath, ...args],
    environment: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    timeoutMs: 15_000,
    maxOutputBytes: 4096,
  }).catch((error: Error) => ({ exitCode: -1, stderr: error.message, stdout: '', timedOut: false }));
  if (result.exitCode === 0) return undefined;
  if (result.timedOut) return 'bubblewrap did not finish a trial command within 15 s';
  return (result.stderr || result.stdout).trim() || `exit code ${result.exitCode}`;
}

/**
 * Finds out what the host offers. Never throws for what the host lacks: the result says what is missing. Probes
 * run real commands (about 50 ms).
 */
export async function prepareLocalSandboxHost(dataDir: string, options: LocalSandboxOptions): Promise<LocalSandboxHost> {
  const root = resolve(dataDir);
  const sessionsDirectory = join(root, 'sandboxes');
  await mkdir(sessionsDirectory, { recursive: true });
  const identityFiles = await writeIdentityFiles(join(root, 'sandbox-host'));
  const cgroupSupport = await detectCgroups(options.delegatedCgroup ? { delegatedCgroup: options.delegatedCgroup } : {});
  const cgroups = new CgroupManager(cgroupSupport, {
    memoryBytes: options.memoryMb * 1024 * 1024,
    maxProcesses: options.maxProcesses,
  });
  const base = {
    bubblewrapPath: options.bubblewrapPath,
    userNamespace: true,
    systemPaths: systemPaths(),
    identityFiles,
    cgroups,
    options,
    sessionsDirectory,
  };
  const version = await bubblewrapVersion(options.bubblewrapPath);
  if (!version) {
    return { ...base, isolation: 'none', bubblewrapProblem: `bubblewrap (${options.bubblewrapPath}) is not installed or does not start` };
  }
  const trial = await mkdtemp(join(root, 'sandbox-host', 'trial-'));
  try {
    const withUserNamespace = await tryBubblewrap(base, trial);
    if (!withUserNamespace) return { ...base, isolation: 'bubblewrap', bubblewrapVersion: version };
    // Hosts that forbid user namespaces can still run a setuid bubblewrap without one.
    const withoutUserNamespace = await tryBubblewrap({ ...base, userNamespace: false }, trial);
    if (!withoutUserNamespace) return { ...base, userNamespace: false, isolation: 'bubblewrap', bubblewrapVersion: version };
    return { ...base, isolation: 'none', bubblewrapVersion: version, bubblewrapProblem: `bubblewrap ${version} cannot create a sandbox here: ${withUserNamespace}` };
  } finally {
    await rm(trial, { recursive: true, force: true });
  }
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}

/**
 * The worker-start account of the local sandbox: isolation, and each limit with how it is enforced or why it is
 * not. One line per fact, for the log.
 */
export function describeLocalSandbox(host: LocalSandboxHost): { available: boolean; lines: string[] } {
  const { options, cgroups } = host;
  const lines: string[] = [];
  const available = host.isolation === 'bubblewrap' || options.unsafeUnsandboxed;
  if (host.isolation === 'bubblewrap') {
    lines.push(
      `local sandbox: bubblewrap ${host.bubblewrapVersion}${host.userNamespace ? ', user namespace' : ', no user namespace (setuid bubblewrap)'}; ` +
        'only the session directory is writable; network off unless a session allows it; own PID namespace; capabilities dropped',
    );
  } else if (options.unsafeUnsandboxed) {
    lines.push(
      `local sandbox: UNSANDBOXED (KEEL_UNSAFE_UNSANDBOXED_LOCAL=1): ${host.bubblewrapProblem}; commands run directly on this host with the worker's user, ` +
        'see and can change everything it can, and have its network',
    );
  } else {
    lines.push(
      `local sandbox: UNAVAILABLE: ${host.bubblewrapProblem}; sessions that need it are refused (install bubblewrap, or set KEEL_UNSAFE_UNSANDBOXED_LOCAL=1 to run commands without isolation)`,
    );
  }
  const cgroupName = cgroups.support.version ? `cgroup v${cgroups.support.version}` : 'cgroup';
  const inForce = [
    cgroups.limitsMemory ? `memory ${mib(cgroups.limits.memoryBytes)} per session (${cgroupName})` : undefined,
    cgroups.limitsProcesses ? `${cgroups.limits.maxProcesses} processes per session (${cgroupName})` : undefined,
    `file size ${options.maxFileMb} MiB (rlimit)`,
    `${options.maxOpenFiles} open files (rlimit)`,
    `CPU ${options.cpuSeconds} s per process (rlimit)`,
    host.isolation === 'bubblewrap' ? `/tmp ${options.tmpMb} MiB` : undefined,
    'wall-clock timeout per command (kills the process tree)',
  ].filter(Boolean);
  lines.push(`local sandbox limits in force: ${inForce.join(', ')}`);
  const missing = [
    cgroups.limitsMemory ? undefined : 'memory',
    cgroups.limitsProcesses ? undefined : 'process count',
  ].filter(Boolean);
  if (missing.length > 0) {
    lines.push(`local sandbox limits NOT in force: ${missing.join(' and ')} (${cgroups.support.problems.join('; ') || 'no cgroup support'})`);
  }
  return { available, lines };
}

