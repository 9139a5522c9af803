/**
 * Settings of the local sandbox, with their defaults, units and environment variables (read by
 * src/config/worker-config.ts). Worker-side.
 */
import { z } from 'zod';

export const localSandboxOptionsSchema = z.strictObject({
  /** Memory of one session's commands together, MiB; enforced through a cgroup where the host offers one. @default 2048 (env `KEEL_SANDBOX_MEMORY_MB`) */
  memoryMb: z.number().int().positive().default(2048),
  /**
   * Processes and threads of one session at once; enforced through a cgroup where the host offers one, and in any
   * case per command as RLIMIT_NPROC, which counts the processes of the command's own user namespace (every command
   * gets a fresh one, mapped to the session's uid). @default 512 (env `KEEL_SANDBOX_MAX_PROCESSES`)
   */
  maxProcesses: z.number().int().positive().default(512),
  /** Largest file a command may write, MiB (RLIMIT_FSIZE). @default 1024 (env `KEEL_SANDBOX_MAX_FILE_MB`) */
  maxFileMb: z.number().int().positive().default(1024),
  /** Open files per process (RLIMIT_NOFILE). @default 1024 (env `KEEL_SANDBOX_MAX_OPEN_FILES`) */
  maxOpenFiles: z.number().int().positive().default(1024),
  /** CPU time per process, seconds (RLIMIT_CPU). @default 600 (env `KEEL_SANDBOX_CPU_SECONDS`) */
  cpuSeconds: z.number().int().positive().default(600),
  /** Size of a command's private `/tmp`, MiB. @default 256 (env `KEEL_SANDBOX_TMP_MB`) */
  tmpMb: z.number().int().positive().default(256),
  /** Size of a command's private `/dev/shm` (shared memory, a tmpfs), MiB. @default 64 (env `KEEL_SANDBOX_SHM_MB`) */
  shmMb: z.number().int().positive().default(64),
  /**
   * Disk one session's directory may use, MiB (see "Disk quota" in the README for how it is enforced).
   * @default 1024 (env `KEEL_SANDBOX_DISK_QUOTA_MB`)
   */
  diskQuotaMb: z.number().int().positive().default(1024),
  /**
   * Host uids given to sessions, one each, when the worker runs as root: commands and the session's files belong to
   * it, so no session reads another's files and none runs as root. `first-last`, inclusive.
   * @default `200000-265535` (env `KEEL_SANDBOX_UIDS`)
   */
  sessionUids: z
    .string()
    .regex(/^\d+-\d+$/, 'a range first-last, e.g. 200000-265535')
    .refine((range) => {
      const [first, last] = range.split('-').map(Number) as [number, number];
      return first >= 1000 && last >= first && last < 2 ** 31;
    }, 'first at least 1000, last at least first')
    .default('200000-265535'),
  /**
   * Largest session directory copied into a turn-boundary snapshot (for `keel fork`), MiB; a larger one is not
   * snapshotted (the history says so). 0 turns snapshots off. @default 256 (env `KEEL_SANDBOX_SNAPSHOT_MAX_MB`)
   */
  snapshotMaxMb: z.number().int().nonnegative().default(256),
  /** Snapshots kept per session, its latest turns; older ones are deleted as new ones are taken. @default 5 (env `KEEL_SANDBOX_SNAPSHOT_KEEP`) */
  snapshotKeep: z.number().int().positive().default(5),
  /**
   * Run commands without bubblewrap where it cannot run: no filesystem, network or process isolation at all.
   * Loudly named on purpose. @default false (env `KEEL_UNSAFE_UNSANDBOXED_LOCAL=1`)
   */
  unsafeUnsandboxed: z.boolean().default(false),
  /** A cgroup v2 directory delegated to the worker, for hosts where its own cgroup cannot have children. (env `KEEL_SANDBOX_CGROUP`) */
  delegatedCgroup: z.string().min(1).optional(),
  /** The bubblewrap executable. @default `bwrap` on PATH (env `KEEL_BWRAP`) */
  bubblewrapPath: z.string().min(1).default('bwrap'),
});

export type LocalSandboxOptionsInput = z.input<typeof localSandboxOptionsSchema>;
export type LocalSandboxOptions = z.output<typeof localSandboxOptionsSchema>;
