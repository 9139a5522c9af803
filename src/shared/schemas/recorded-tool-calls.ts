/**
 * `replay` in a session's input, set by `keel eval`: the tool calls a recorded session made, with their results, so
 * that the new session answers a call whose name and input match a recorded one with the recorded result instead
 * of running it, and starts a sandbox for a call that differs from the recorded files of that point. The input
 * must also carry `fork` for the same source: the grant (checked by `claimFork` before any step) is what lets the
 * session read the source's stored blocks and snapshots, so an input made by anyone without the workers' grant key
 * fails before it reads anything. Bundle-safe.
 */
import { z } from 'zod';
import { stringMatching } from './string-matching.js';
import { blobRefSchema } from './stored-block.js';

/** Most recorded tool calls one `replay` may hold (the whole input stays within a Temporal payload). */
export const MAX_RECORDED_TOOL_CALLS = 2_000;

const turnSchema = z.number().int().nonnegative();

/** One recorded tool call and the result the model saw. */
export const recordedToolCallSchema = z.strictObject({
  /** The recorded turn whose model reply asked for it. */
  turn: turnSchema,
  name: z.string().min(1).max(256),
  input: z.unknown(),
  content: z.string(),
  isError: z.boolean(),
  /** The stored original of a long result (`keel_ref`), readable through the fork grant. */
  storedRef: blobRefSchema.optional(),
  /** The human decision recorded for it, when the call waited for approval (the `tool-decision` marker's text). */
  decision: z.string().max(4_000).optional(),
});
export type RecordedToolCall = z.infer<typeof recordedToolCallSchema>;

/** A recorded sandbox snapshot at the end of a turn, or why there is none. */
export const recordedSnapshotSchema = z.strictObject({
  turn: turnSchema,
  snapshotId: stringMatching(/^[A-Za-z0-9._-]+$/).optional(),
  missing: z.string().max(1_000).optional(),
});
export type RecordedSnapshot = z.infer<typeof recordedSnapshotSchema>;

export const sessionReplaySchema = z.strictObject({
  /** The recorded session's workflow id: the same as `fork.from`. */
  from: z.string().min(1).max(1000),
  toolCalls: z.array(recordedToolCallSchema).max(MAX_RECORDED_TOOL_CALLS),
  snapshots: z.array(recordedSnapshotSchema).max(MAX_RECORDED_TOOL_CALLS).default([]),
});
export type SessionReplay = z.infer<typeof sessionReplaySchema>;

/** The note that begins the result of a call an eval session did not run. */
export const NOT_RUN_IN_EVAL = 'not run (eval):';
