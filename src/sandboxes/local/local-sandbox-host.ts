/**
 * What this host offers the local sandbox, found once at worker start: whether bubblewrap runs (tried for real),
 * with or without a user namespace, which cgroup limits work, and the system paths to mirror. The result says
 * which limits are in force, for the worker's start message. Worker-side.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { bubblewrapArguments, runAsArguments, sandboxEnvironment, sandboxUser, type HostIdentity, type SandboxedCommandSpec, type SystemPath } from './bubblewrap-command.js';
import { CgroupManager } from './cgroup-manager.js';
import { detectCgroups } from './cgroup-detection.js';
import type { LocalSandboxOptions } from './local-sandbox-options.js';
import { openOutboundLink, slirpDnsAddress } from './outbound-network.js';
import { runProcess } from './run-process.js';
import { parseUidRange, type UidRange } from './session-uids.js';

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
  /**
   * With the worker running as root: the range sessions' uids come from and where their claims are kept. Unset:
   * commands run as the worker's own (unprivileged) uid.
   */
  sessionUids?: { range: UidRange; claimsDirectory: string };
  /** Whether bubblewrap forbids commands further user namespaces (`--disable-userns`, 0.8+). */
  disableNestedUserNamespaces: boolean;
  /** Why sessions with `sandbox.network` cannot get outbound network here, when they cannot. */
  outboundNetworkProblem?: string;
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
    resolvConf: join(directory, 'resolv.conf'),
  };
  await writeFile(files.resolvConf, `nameserver ${slirpDnsAddress}\n`);
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
async function tryBubblewrap(host: Omit<LocalSandboxHost, 'isolation' | 'bubblewrapVersion'>, workspace: string, identity?: HostIdentity): Promise<string | undefined> {
  if (identity) await chown(workspace, identity.uid, identity.gid);
  const args = bubblewrapArguments({
    workspace,
    network: false,
    environment: sandboxEnvironment('/workspace'),
    systemPaths: host.systemPaths,
    identityFiles: host.identityFiles,
    userNamespace: host.userNamespace,
    tmpBytes: 1024 * 1024,
    shmBytes: 1024 * 1024,
    disableNestedUserNamespaces: host.disableNestedUserNamespaces,
    rlimits: { fileSizeBytes: 1024 * 1024, openFiles: 64, cpuSeconds: 5, processes: 64 },
    command: 'test -w /workspace && ! test -w /usr',
  });
  const argv = [host.bubblewrapPath, ...args];
  const result = await runProcess({
    argv: identity ? runAsArguments(identity, argv) : argv,
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
  const asRoot = process.getuid?.() === 0;
  // Commands run as a session's own uid, which must be able to pass through to its directory (and to the
  // sandbox's passwd files), but not to list the data folder or to read anything else in it.
  const traversalProblem = asRoot ? await makeTraversable(root, [sessionsDirectory, join(root, 'sandbox-host')]) : undefined;
  // What else the data folder holds is the worker's alone: other sessions' snapshots and the content store, which
  // the unsafe unsandboxed mode would otherwise leave readable to a session's uid by their (known) names.
  if (asRoot) {
    for (const name of ['snapshots', 'store']) {
      await mkdir(join(root, name), { recursive: true, mode: 0o700 });
      await chmod(join(root, name), 0o700);
    }
  }
  const identityFiles = await writeIdentityFiles(join(root, 'sandbox-host'));
  const cgroupSupport = await detectCgroups(options.delegatedCgroup ? { delegatedCgroup: options.delegatedCgroup } : {});
  const cgroups = new CgroupManager(cgroupSupport, {
    memoryBytes: options.memoryMb * 1024 * 1024,
    maxProcesses: options.maxProcesses,
  });
  const help = await runProcess({ argv: [options.bubblewrapPath, '--help'], environment: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeoutMs: 5_000, maxOutputBytes: 16 * 1024 }).catch(() => undefined);
  const range = parseUidRange(options.sessionUids);
  const base = {
    bubblewrapPath: options.bubblewrapPath,
    userNamespace: true,
    disableNestedUserNamespaces: help?.stdout.includes('--disable-userns') === true,
    ...(asRoot ? { sessionUids: { range, claimsDirectory: join(root, 'sandbox-uids') } } : {}),
    systemPaths: systemPaths(),
    identityFiles,
    cgroups,
    options,
    sessionsDirectory,
  };
  // A trial identity like the ones sessions get (the range's last uid; nothing is written as it).
  const identity = asRoot ? { uid: range.first + range.count - 1, gid: range.first + range.count - 1 } : undefined;
  const outboundNetworkProblem = await tryOutboundNetwork(identity);
  const withNetwork = { ...base, ...(outboundNetworkProblem ? { outboundNetworkProblem } : {}) };
  const version = await bubblewrapVersion(options.bubblewrapPath);
  if (!version) {
    return { ...withNetwork, isolation: 'none', bubblewrapProblem: `bubblewrap (${options.bubblewrapPath}) is not installed or does not start` };
  }
  if (traversalProblem) return { ...withNetwork, isolation: 'none', bubblewrapVersion: version, bubblewrapProblem: traversalProblem };
  const trial = await mkdtemp(join(root, 'sandbox-host', 'trial-'));
  try {
    const withUserNamespace = await tryBubblewrap(withNetwork, trial, identity);
    if (!withUserNamespace) return { ...withNetwork, isolation: 'bubblewrap', bubblewrapVersion: version };
    // Hosts that forbid user namespaces can still run a setuid bubblewrap without one.
    const withoutUserNamespace = await tryBubblewrap({ ...withNetwork, userNamespace: false }, trial, identity);
    if (!withoutUserNamespace) return { ...withNetwork, userNamespace: false, isolation: 'bubblewrap', bubblewrapVersion: version };
    return { ...withNetwork, isolation: 'none', bubblewrapVersion: version, bubblewrapProblem: `bubblewrap ${version} cannot create a sandbox here: ${withUserNamespace}` };
  } finally {
    await rm(trial, { recursive: true, force: true });
  }
}

/** Sets up (and at once closes) an outbound link the way commands get one; the reason when that fails. */
async function tryOutboundNetwork(identity: HostIdentity | undefined): Promise<string | undefined> {
  try {
    const link = await openOutboundLink(identity ? { identity } : {});
    link.close();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Lets other uids pass through (not list) the data folder and the given directories in it, and checks that they
 * can reach the data folder at all. The problem, when some ancestor outside Keel's folder keeps them out.
 */
async function makeTraversable(root: string, inside: string[]): Promise<string | undefined> {
  for (const directory of [root, ...inside]) {
    await mkdir(directory, { recursive: true });
    const { mode } = await stat(directory);
    if ((mode & 0o001) === 0) await chmod(directory, (mode & 0o7777) | 0o111);
  }
  for (let ancestor = dirname(root); ; ancestor = dirname(ancestor)) {
    const { mode } = await stat(ancestor);
    if ((mode & 0o001) === 0) {
      return `the data folder ${root} is inside ${ancestor}, which other users cannot pass through (mode ${(mode & 0o777).toString(8)}); sessions' uids could not reach their directories: choose another KEEL_DATA_DIR or chmod o+x ${ancestor}`;
    }
    if (ancestor === dirname(ancestor)) return undefined;
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
        'only the session directory is writable; network off unless a session allows it; own PID namespace; capabilities dropped; ' +
        (host.disableNestedUserNamespaces ? 'no nested user namespaces; ' : 'nested user namespaces NOT forbidden (bubblewrap before 0.8); ') +
        (host.sessionUids
          ? `commands run as a uid of their own per session (${host.sessionUids.range.first}-${host.sessionUids.range.first + host.sessionUids.range.count - 1})`
          : `commands run as the worker's uid ${process.getuid?.()} (one for all sessions: the worker is not root)`),
    );
    lines.push(
      host.outboundNetworkProblem
        ? `local sandbox: sessions with network get none on this worker: ${host.outboundNetworkProblem}`
        : 'local sandbox: network for sessions that allow it: outbound only, through slirp4netns, private ranges and this host rejected',
    );
  } else if (options.unsafeUnsandboxed) {
    lines.push(
      `local sandbox: UNSANDBOXED (KEEL_UNSAFE_UNSANDBOXED_LOCAL=1): ${host.bubblewrapProblem}; commands run directly on this host with the worker's user, ` +
        'see and can change everything it can, and have its network' +
        (host.sessionUids
          ? ' (but run as a uid of their own per session, with a clean environment, so the worker\'s files and environment are not theirs to read)'
          : ' and its uid, so they can also read its environment (/proc/<pid>/environ): run the worker as root to give them uids of their own'),
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
    host.isolation === 'bubblewrap' ? `/tmp ${options.tmpMb} MiB, /dev/shm ${options.shmMb} MiB` : undefined,
    `${options.maxProcesses} processes per command (rlimit)`,
    `disk ${options.diskQuotaMb} MiB per session (checked around each command and file write)`,
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

