/**
 * A string that matches a pattern: what zod's `.regex()` checks, in a form that still works once frozen. Every
 * schema in src/shared is shared by all the workflows of a worker and frozen with them
 * (src/workflows/shared-schemas.ts), and zod's regex check sets its pattern's `lastIndex` before each test, which a
 * frozen RegExp refuses with a TypeError. Here the pattern stays in a closure that the freeze does not reach, and a
 * pattern without the `g` or `y` flag is never written to by `test`. JSON Schema (OpenAPI, tool specs) still shows
 * it as `pattern`. Bundle-safe.
 */
import { z } from 'zod';

/** @throws Error when `pattern` is global or sticky: `test` would then move its `lastIndex` from call to call. */
export function stringMatching(pattern: RegExp, message = `must match ${String(pattern)}`): z.ZodString {
  if (pattern.global || pattern.sticky) throw new Error(`stringMatching: ${String(pattern)} has the g or y flag, which makes test() stateful`);
  return z
    .string()
    .refine((value) => pattern.test(value), { message })
    .meta({ pattern: pattern.source });
}
