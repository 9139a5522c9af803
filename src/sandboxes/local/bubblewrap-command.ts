/**
 * The command line that runs one command of the local sandbox. Pure: builds arguments, runs nothing.
 *
 * What a command sees (the decision, documented here because models and operators both ask):
 * - `/workspace`: the session directory, the one writable host path, and the working directory;
 * - `/usr` (and the `/bin`, `/lib`, ... links or directories beside it) read-only: the host's programs and
 *   libraries, so that `python3`, `git`, `node` and friends work when the host has them;
 * - a few files of `/etc` that programs need to start (loader cache, alternatives, TLS roots, time zone), read-only;
 *   the host's `/etc/passwd` and `/etc/group` are NOT visible: the sandbox gets its own, naming only its user;
 *   `/etc/hosts` is the sandbox's own too, and with network `/etc/resolv.conf` names slirp4netns's DNS relay;
 * - a private `/tmp` (tmpfs, size-capped), a fresh `/proc` for its own PID namespace, a minimal read-only `/dev`
 *   with a private size-capped `/dev/shm`;
 * - nothing else of the host: no home directories, no `/root`, no `/var`, no `/run`, no worker data.
 * It runs as an unprivileged user (uid 1000 in its own user namespace where the host allows one, mapped to the
 * session's own host uid when the worker is root), with every capability dropped, unable to make further user
 * namespaces where bubblewrap can forbid them, in new PID, IPC, UTS and cgroup namespaces, and always in a new
 * network namespace: loopback only, or (the session's `sandbox.network`) one with an outbound-only link, made before
 * bubblewrap starts inside it (see outbound-network.ts).
 */

/** How a top-level host path is mirrored: bound read-only, or re-created as the same symlink (merged-/usr hosts). */
export type SystemPath = { path: string; kind: 'bind' } | { path: string; kind: 'symlink'; target: string };

export interface SandboxedCommandSpec {
  /** Host path of the session directory. */
  workspace: string;
  /** Where the session directory appears inside. @default `/workspace` */
  visiblePath?: string;
  /** Working directory relative to the session directory. */
  cwd?: string;
  /** Whether bubblewrap runs inside an outbound-only namespace (see outbound-network.ts); else a new empty one. */
  network: boolean;
  /** Environment of the command (nothing of the worker's leaks in). */
  environment: Record<string, string>;
  /** Top-level system paths to mirror (see `systemPaths()` in local-sandbox-host.ts). */
  systemPaths: SystemPath[];
  /** Host files standing in for `/etc/passwd`, `/etc/group`, `/etc/hosts` and (with network) `/etc/resolv.conf`. */
  identityFiles: { passwd: string; group: string; hosts: string; resolvConf: string };
  /** Whether to run in a new user namespace as uid/gid 1000 (false where the host forbids user namespaces). */
  userNamespace: boolean;
  /** Size of the private `/tmp`, bytes. */
  tmpBytes: number;
  /** Size of the private `/dev/shm`, bytes. */
  shmBytes: number;
  /** Forbid the command further user namespaces (`--disable-userns`, bubblewrap 0.8+, needs `userNamespace`). */
  disableNestedUserNamespaces: boolean;
  rlimits: ResourceLimits;
  /** The bash command to run. */
  command: string;
}

/** Per-process limits applied with bash's `ulimit` before the command starts. */
export interface ResourceLimits {
  /** Largest file a process may write, bytes. */
  fileSizeBytes: number;
  openFiles: number;
  /** CPU time per process, seconds. */
  cpuSeconds: number;
  /** Processes and threads of the command's user within its own user namespace (RLIMIT_NPROC). */
  processes: number;
}

/** `/etc` entries programs need to start; bound read-only when the host has them. */
const etcEntries = [
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/nsswitch.conf',
  '/etc/protocols',
  '/etc/services',
  '/etc/mime.types',
  '/etc/os-release',
  '/etc/gitconfig',
];
// The host's resolv.conf is not among them: its name server is usually a private address, which the outbound
// filter rejects; commands ask slirp4netns's DNS relay instead.
const networkEtcEntries = ['/etc/gai.conf', '/etc/host.conf'];

/** The user commands run as inside the sandbox. */
export const sandboxUser = { name: 'keel', uid: 1000, gid: 1000 } as const;

/**
 * The command, limited: bash applies the rlimits (units: `-f` in KiB, `-t` seconds) and execs a fresh bash for
 * the command, so the command cannot raise them (soft and hard are both set). Core dumps are off.
 */
export function limitedBashArguments(limits: ResourceLimits, command: string): string[] {
  // 0 is a real limit here (a session over its disk quota may write nothing more), not "unlimited".
  const fileSizeKib = Math.max(0, Math.floor(limits.fileSizeBytes / 1024));
  return [
    '/bin/bash',
    '-c',
    `ulimit -c 0 -f ${fileSizeKib} -n ${limits.openFiles} -t ${limits.cpuSeconds} -u ${limits.processes} && exec /bin/bash -c "$1"`,
    'keel-limits',
    command,
  ];
}

/** `bwrap` arguments (without the program name) that run `spec.command` as described above. */
export function bubblewrapArguments(spec: SandboxedCommandSpec): string[] {
  const visiblePath = spec.visiblePath ?? '/workspace';
  const args: string[] = [];
  if (spec.userNamespace) {
    args.push('--unshare-user', '--uid', String(sandboxUser.uid), '--gid', String(sandboxUser.gid));
    if (spec.disableNestedUserNamespaces) args.push('--disable-userns', '--assert-userns-disabled');
  }
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--hostname', 'keel-sandbox');
  // Never the worker's network namespace (its loopback, the Temporal frontend, the database): without network a
  // new one with loopback only; with network the caller starts bubblewrap inside the outbound-only namespace of
  // outbound-network.ts.
  if (!spec.network) args.push('--unshare-net');
  // The command dies with the worker, cannot reach the worker's terminal, and has no capabilities.
  args.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL');
  args.push('--clearenv');
  for (const [name, value] of Object.entries(spec.environment)) args.push('--setenv', name, value);

  for (const entry of spec.systemPaths) {
    if (entry.kind === 'bind') args.push('--ro-bind', entry.path, entry.path);
    else args.push('--symlink', entry.target, entry.path);
  }
  for (const path of etcEntries) args.push('--ro-bind-try', path, path);
  if (spec.network) for (const path of networkEtcEntries) args.push('--ro-bind-try', path, path);
  args.push('--ro-bind', spec.identityFiles.passwd, '/etc/passwd');
  args.push('--ro-bind', spec.identityFiles.group, '/etc/group');
  args.push('--ro-bind', spec.identityFiles.hosts, '/etc/hosts');
  if (spec.network) args.push('--ro-bind', spec.identityFiles.resolvConf, '/etc/resolv.conf');

  args.push('--proc', '/proc', '--dev', '/dev');
  // bubblewrap's /dev is a tmpfs without a size: capped shared memory on it, and the rest read-only.
  args.push('--size', String(spec.shmBytes), '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  args.push('--size', String(spec.tmpBytes), '--tmpfs', '/tmp');
  args.push('--bind', spec.workspace, visiblePath);
  // The root bubblewrap builds (a tmpfs holding the mount points) would otherwise take writes: it is made
  // read-only once everything is mounted. Not recursive, so /workspace and /tmp stay writable.
  args.push('--remount-ro', '/');
  args.push('--chdir', spec.cwd ? `${visiblePath}/${spec.cwd}` : visiblePath);
  args.push('--', ...limitedBashArguments(spec.rlimits, spec.command));
  return args;
}

/** A host identity for a command: its uid and gid. */
export interface HostIdentity {
  uid: number;
  gid: number;
}

/**
 * Wraps a program so that it starts as `identity` with no supplementary groups (util-linux `setpriv`, run as
 * root): a worker running as root never runs a command, bubblewrap included, as root.
 */
export function runAsArguments(identity: HostIdentity, program: string[]): string[] {
  return ['setpriv', `--reuid=${identity.uid}`, `--regid=${identity.gid}`, '--clear-groups', '--', ...program];
}

/**
 * Wraps a program so that it joins cgroups before it starts: a POSIX shell writes its own pid to each
 * `cgroup.procs` file and then execs the program (same pid), so every process the program forks starts inside.
 * Exits 125 if a cgroup cannot be joined.
 */
export function cgroupLauncherArguments(procsFiles: string[], program: string[]): string[] {
  const script =
    'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || { echo "keel: cannot join cgroup $1" >&2; exit 125; }; ' +
    'shift; n=$((n-1)); done; exec "$@"';
  return ['/bin/sh', '-c', script, 'keel-launch', String(procsFiles.length), ...procsFiles, ...program];
}

/** The environment every sandboxed command starts with; the caller's variables are added on top. */
export function sandboxEnvironment(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    USER: sandboxUser.name,
    LOGNAME: sandboxUser.name,
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    TMPDIR: '/tmp',
    TERM: 'dumb',
    ...extra,
  };
}
