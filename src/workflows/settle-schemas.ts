/**
 * Makes zod schemas safe to freeze: does, once, what zod would otherwise do to a schema at its first use, which a
 * frozen schema refuses with a TypeError. Used by shared-schemas.ts, before the SDK freezes what it preloads.
 * - Zod 4 keeps some properties as getters on its prototypes (on the schema, e.g. `~standard`, and on its internals
 *   `_zod`, e.g. `propValues`, `optin`, `pattern`); the first read defines the value on the schema itself.
 * - A schema's first parses replace its parse function with its final one: zod's memoizer looks then whether the
 *   schema can recur, and takes itself out when it cannot (a second parse when the first could not tell).
 * test/workflows/shared-schemas.test.ts freezes the settled schemas as the SDK does and parses with them.
 */
import { z } from 'zod';

/** Settles every schema reachable from the modules' exports, nested ones (object shapes, unions, pipes) included. */
export function settleSchemas(modules: readonly object[]): void {
  const seen = new WeakSet<object>();
  for (const module of modules) for (const value of Object.values(module)) visit(value, seen);
}

function visit(value: unknown, seen: WeakSet<object>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof z.ZodType) {
    readAccessors(value);
    readAccessors(value._zod);
    trialParse(value);
    trialParse(value);
    // The definition holds the nested schemas: an object's shape, a union's options, a pipe's two ends, ...
    visit(value._zod.def, seen);
    return;
  }
  for (const nested of Array.isArray(value) ? value : Object.values(value)) visit(nested, seen);
}

/**
 * What is parsed does not matter: the memoizer decides before it looks at the value. A refinement met on the walk
 * (`.refine` keeps its check as a schema in the definition) runs its function on `undefined` and may throw; the
 * decision is made by then.
 */
function trialParse(schema: z.ZodType): void {
  try {
    schema.safeParse(undefined);
  } catch {
    // See above.
  }
}

/** Reads every getter on the prototypes of `target`, which makes zod define its value on `target` now. */
function readAccessors(target: object): void {
  for (let prototype = Object.getPrototypeOf(target); prototype && prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype)) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(prototype))) {
      if (!descriptor.get) continue;
      try {
        Reflect.get(target, key);
      } catch {
        // A getter that fails memoizes nothing; its first real use fails the same way, where it is reported.
      }
    }
  }
}
