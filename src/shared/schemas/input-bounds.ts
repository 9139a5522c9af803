/**
 * Upper bounds of the durations, counts and strings a client may send (CONTRACT.md, "Trust boundary"). A value
 * over one of these is refused where it enters (the session input, a message, a tool input), never turned into a
 * timer or a loop the workflow cannot run: `1e306` seconds is a valid positive number, and a timer of it is
 * `Infinity` milliseconds, which fails every workflow task. Bundle-safe.
 */
import { z } from 'zod';

/** Longest wait a session input may ask for (idle and approval timeouts), seconds: one year. */
export const MAX_WAIT_SECONDS = 365 * 24 * 60 * 60;

/** Longest sandbox lifetime or command a session or a model may ask for, seconds: one day. */
export const MAX_SANDBOX_SECONDS = 24 * 60 * 60;

/** Most model turns a session may be allowed. */
export const MAX_TURNS = 1_000_000;

/** Most tokens a session may be allowed: far beyond any real spend, and exact in a double. */
export const MAX_TOKENS = 1_000_000_000_000;

/** Largest cost limit, US dollars. */
export const MAX_COST_USD = 1_000_000;

/** Longest reason (`interrupt`, `resetContext`, a denial) or substituted tool result summary line, characters. */
export const MAX_REASON_CHARACTERS = 2_000;

/** Longest id a client may give a message or name a tool call by, characters. */
export const MAX_ID_CHARACTERS = 256;

/** Deepest nesting of arrays and objects Keel takes in any argument from a client. */
export const MAX_JSON_DEPTH = 64;

/** A human reason: a string of bounded length. */
export const reasonSchema = z.string().max(MAX_REASON_CHARACTERS);

/** A client-chosen id: a non-empty string of bounded length. */
export const clientIdSchema = z.string().min(1).max(MAX_ID_CHARACTERS);

/** A count or duration limit: a positive integer up to `max`. */
export function boundedCount(max: number): z.ZodNumber {
  return z.number().int().positive().max(max);
}

/**
 * True when `value` nests arrays and objects deeper than `maxDepth`. Iterative, so no input can overflow the stack
 * (JSON.stringify and recursive walks would, and a thrown RangeError in a handler fails the workflow task).
 */
export function nestsDeeperThan(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) pending.push({ value: child, depth: depth + 1 });
  }
  return false;
}
