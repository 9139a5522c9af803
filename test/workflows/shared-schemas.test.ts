/**
 * The schemas every workflow of a worker shares (src/workflows/shared-schemas.ts): they still parse once frozen, as
 * the SDK freezes what it preloads, and no schema module the workflows load is left out of them. The whole suite's
 * workflow tests run with them preloaded (test/harness builds its bundle with `workflowBundleOptions`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as zod from 'zod';
import * as zodCore from 'zod/v4/core';
import { sharedWorkflowModules, workflowBundleOptions, workflowsPath } from '../../src/worker/workflow-bundle.js';
import * as sessionInput from '../../src/shared/schemas/session-input.js';
import * as profile from '../../src/shared/schemas/profile.js';
import * as toolSpecs from '../../src/shared/tool-specs.js';
import { stringMatching } from '../../src/shared/schemas/string-matching.js';
import { sharedSchemaModules } from '../../src/workflows/shared-schemas.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Freezes as the SDK's reusable V8 context does: every own property, functions (and so their prototypes) included. */
function deepFreeze(value: unknown, seen = new WeakSet<object>()): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return;
  seen.add(value);
  if (typeof value === 'object') {
    for (const key of Reflect.ownKeys(value)) {
      try {
        deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
      } catch {
        // As the SDK: some values (typed arrays) cannot be frozen.
      }
    }
  }
  Object.freeze(value);
}

/** Every schema reachable from a module's exports, nested ones included. */
function schemasOf(modules: object[]): zod.ZodType[] {
  const found: zod.ZodType[] = [];
  const seen = new WeakSet<object>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (value instanceof zod.ZodType) {
      found.push(value);
      visit(value._zod.def);
      return;
    }
    for (const nested of Array.isArray(value) ? value : Object.values(value)) visit(nested);
  };
  for (const module of modules) visit(Object.values(module));
  return found;
}

/** The relative modules `entry` loads as values (type-only imports are left out: the bundle drops them). */
function valueImports(entry: string): Set<string> {
  const found = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (found.has(file)) continue;
    found.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'/gms)) {
      pending.push(resolve(dirname(file), match[1].replace(/\.js$/, '.ts')));
    }
  }
  return found;
}

describe('schemas shared by the workflows of a worker', () => {
  test('frozen as the SDK freezes preloaded modules, every schema still parses: valid input, invalid input, nested schemas', () => {
    deepFreeze([zod, zodCore, ...sharedSchemaModules]);
    const schemas = schemasOf([...sharedSchemaModules]);
    assert.ok(schemas.length > 300, `found ${schemas.length} schemas`);
    const probes: unknown[] = [undefined, null, 0, 'text', 'https://example.com/v1', 'ftp://example.com', '0'.repeat(64), [], {}, [{}], { type: 'text', text: 'hi' }, { role: 'user', content: 'hi' }];
    for (const schema of schemas) {
      for (const probe of probes) {
        try {
          schema.safeParse(probe);
        } catch (error) {
          // A refinement may throw on a value its schema would never pass it; a frozen schema's TypeError is what this looks for.
          assert.ok(
            !(error instanceof TypeError && /read only|not extensible|Cannot (?:define|assign|add)/.test(error.message)),
            `${schema.type}: ${String(error)} (a .regex() or z.url({ protocol }) check? use stringMatching, src/shared/schemas/string-matching.ts)`,
          );
        }
      }
    }
    // Real inputs, as a session's start and a profile's resolution parse them.
    const input = sessionInput.sessionInputSchema.safeParse({ mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(input.success, true);
    assert.deepEqual(input.data?.tools, []);
    const refused = sessionInput.sessionInputSchema.safeParse({ messages: [] });
    assert.deepEqual(refused.error?.issues.map((issue) => issue.path), [['messages']]);
    assert.equal(profile.profileSchema.safeParse({ model: 'claude-sonnet-4-5', thinking: { type: 'enabled', budgetTokens: 1_000_000 } }).success, false);
    assert.equal(toolSpecs.bashInputSchema.safeParse({ command: 'ls' }).success, true);
    assert.equal(toolSpecs.bashInputSchema.safeParse({ command: '' }).success, false);
  });

  test('stringMatching: the check of .regex() without its write to the pattern; JSON Schema keeps the pattern', () => {
    const name = stringMatching(/^[a-z]+$/, 'lowercase letters');
    const frozen = Object.freeze(/^[a-z]+$/);
    assert.throws(() => zod.string().regex(frozen).safeParse('abc'), TypeError, 'zod writes lastIndex: why stringMatching exists');
    assert.equal(name.safeParse('abc').success, true);
    assert.deepEqual(name.safeParse('ABC').error?.issues.map((issue) => issue.message), ['lowercase letters']);
    assert.deepEqual(zod.toJSONSchema(name.optional()), { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string', pattern: '^[a-z]+$' });
    assert.throws(() => stringMatching(/a/g), /g or y flag/);
  });

  test('every module of src/shared the workflows load that builds zod schemas is among the shared ones', () => {
    const [shared] = sharedWorkflowModules;
    const loadedByWorkflows = valueImports(workflowsPath);
    const loadedByShared = valueImports(shared);
    const buildsSchemas = (file: string) => /^import\s+\{[^}]*\bz\b[^}]*\}\s+from\s+'zod'/m.test(readFileSync(file, 'utf8'));
    const leftOut = [...loadedByWorkflows].filter((file) => file.includes(join('src', 'shared')) && buildsSchemas(file) && !loadedByShared.has(file));
    assert.deepEqual(
      leftOut.map((file) => relative(root, file)),
      [],
      'add these to src/workflows/shared-schemas.ts, or each workflow builds them again',
    );
  });

  test('every bundle Keel builds preloads them', () => {
    assert.deepEqual(workflowBundleOptions().preloadModules, sharedWorkflowModules);
    assert.deepEqual(workflowBundleOptions({ preloadModules: ['extra'] }).preloadModules, [...sharedWorkflowModules, 'extra']);
    assert.equal(workflowBundleOptions().workflowsPath, workflowsPath);
  });
});
