/**
 * An eval session's record of another session's tool calls (`replay` in its input, set by `keel eval`): which
 * recorded call a new call matches (same tool, same input, taken in recorded order, each at most once), and which
 * recorded snapshot a call that differs should find its files in. Pure rules, no Temporal API. Bundle-safe.
 */
import type { RecordedToolCall, SessionReplay } from './schemas/recorded-tool-calls.js';
import { canonicalJson } from './same-json.js';

/** Where a divergent sandbox call's files come from. */
export type DivergenceBase =
  /** The recorded snapshot at the end of the turn before the next recorded call. */
  | { kind: 'snapshot'; snapshotId: string; turn: number }
  /** No snapshot was taken before that point: the recorded session's files were those it started with. */
  | { kind: 'start' }
  /** The snapshot of that point was not taken (too large, failed): the call cannot be run faithfully. */
  | { kind: 'missing'; turn: number; why: string };

export class RecordedToolCalls {
  readonly #replay: SessionReplay;
  readonly #replayed: Set<number>;
  readonly #keys: string[];

  /** @param replayed indices of recorded calls already answered (carried across continue-as-new). */
  constructor(replay: SessionReplay, replayed: number[] = []) {
    this.#replay = replay;
    this.#replayed = new Set(replayed);
    this.#keys = replay.toolCalls.map((call) => keyOf(call.name, call.input));
  }

  /** The first recorded call not yet answered with this tool and input, now marked answered; undefined if none. */
  take(name: string, input: unknown): RecordedToolCall | undefined {
    const key = keyOf(name, input);
    const index = this.#keys.findIndex((candidate, position) => candidate === key && !this.#replayed.has(position));
    if (index < 0) return undefined;
    this.#replayed.add(index);
    return this.#replay.toolCalls[index];
  }

  /**
   * The files a call that matches nothing should run against: the recorded session's files just before the next
   * recorded call not yet answered (the call takes its place), i.e. the snapshot at the end of the turn before
   * that call's turn; after the last recorded call, the last snapshot.
   */
  divergenceBase(): DivergenceBase {
    const next = this.#replay.toolCalls.find((_, index) => !this.#replayed.has(index));
    const before = next ? next.turn : Number.POSITIVE_INFINITY;
    const latest = this.#replay.snapshots.filter((snapshot) => snapshot.turn < before).sort((a, b) => b.turn - a.turn)[0];
    if (!latest) return { kind: 'start' };
    if (latest.snapshotId) return { kind: 'snapshot', snapshotId: latest.snapshotId, turn: latest.turn };
    return { kind: 'missing', turn: latest.turn, why: latest.missing ?? 'no snapshot was taken' };
  }

  toCarry(): number[] {
    return [...this.#replayed].sort((a, b) => a - b);
  }
}

function keyOf(name: string, input: unknown): string {
  return `${name}\u0000${canonicalJson(input)}`;
}
