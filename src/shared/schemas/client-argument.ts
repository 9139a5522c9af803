/**
 * The one check every signal, update and query argument from a client goes through before a handler reads it
 * (CONTRACT.md, "Trust boundary"): nesting depth first (so that nothing after it can overflow the stack), then size
 * (Keel takes at most 1.5 MiB in one message), then the argument's schema. Never throws: a signal drops what fails,
 * an update's validator refuses it, a query answers with an error. The reason names fields and limits, never the
 * content sent, so it may go into logs. Bundle-safe.
 */
import type { z } from 'zod';
import { oversizedMessageReason } from '../payload-limits.js';
import { describeIssues } from './describe-issues.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './input-bounds.js';
import { jsonByteLength } from './stored-block.js';

export type CheckedArgument<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Longest reason given back, characters: a field name can be as long as a client makes it. */
const MAX_REASON_LENGTH = 300;

function bounded(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 3)}...` : text;
}

/**
 * Checks a client's argument against `schema`.
 * @param what the argument's name in the reason, e.g. `message` (`invalid message: content: ...`).
 */
export function checkClientArgument<T>(schema: z.ZodType<T>, raw: unknown, what: string): CheckedArgument<T> {
  if (nestsDeeperThan(raw)) return { ok: false, reason: `the ${what} nests deeper than ${MAX_JSON_DEPTH} levels` };
  const tooLarge = oversizedMessageReason(`the ${what}`, jsonByteLength(raw));
  if (tooLarge) return { ok: false, reason: tooLarge };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: bounded(`invalid ${what}: ${describeIssues(parsed.error)}`) };
  return { ok: true, value: parsed.data };
}
