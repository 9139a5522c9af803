/**
 * Wording of request validation errors: renders zod issues the way the Messages API's (pydantic-based) validation
 * errors read, each prefixed by the dotted path of the offending field (`messages.2.content.0: …`), so that a test
 * failure against the scripted model server points at the converter bug. Worker/dev side only; pure.
 */
import type { z } from 'zod';
import { isRecord } from './is-record.js';

/** Where a field sits in the request body, e.g. `['messages', 2, 'content', 0]`. */
export type Path = readonly PropertyKey[];

/** `message` prefixed by the dotted `path`, as the API words it. */
export function withPath(path: Path, message: string): string {
  return path.length === 0 ? message : `${path.map(String).join('.')}: ${message}`;
}

/** Renders a zod issue in the wording of the API's (pydantic-based) validation errors. */
export function describeIssue(issue: z.core.$ZodIssue, prefix: Path): string {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'invalid_type': {
      // A JSON body cannot carry `undefined`, so an undefined input means the field was absent.
      if (issue.input === undefined) return withPath(path, 'Field required');
      return withPath(path, `Input should be a valid ${typeNames[issue.expected] ?? issue.expected}`);
    }
    case 'invalid_union': {
      // A discriminated union whose tag matched no option: name the tag, as pydantic does.
      if (issue.discriminator !== undefined && 'options' in issue && issue.errors.length === 0) {
        const tag = issue.path.at(-1) ?? issue.discriminator;
        const found = isRecord(issue.input) ? issue.input[String(tag)] : undefined;
        const expected = (issue.options ?? []).map((option) => `'${String(option)}'`).join(', ');
        return withPath(
          path,
          `Input tag '${String(found)}' found using '${String(tag)}' ` +
            `does not match any of the expected tags: ${expected}`,
        );
      }
      // For `string | block[]` the interesting failure is the one that got furthest into the input; failures at the
      // union's own level mean no alternative fit at all.
      const branches = issue.errors.filter((branch) => branch.length > 0);
      const deepest = branches.reduce<z.core.$ZodIssue[] | undefined>(
        (best, branch) => (best === undefined || branch[0]!.path.length > best[0]!.path.length ? branch : best),
        undefined,
      );
      if (deepest !== undefined && deepest[0]!.path.length > 0) return describeIssue(deepest[0]!, path);
      const alternatives = branches.map((branch) => describeExpected(branch[0]!)).join(' or ');
      return withPath(path, alternatives ? `Input should be ${alternatives}` : 'Invalid input');
    }
    case 'too_small': {
      if (issue.origin === 'array') return withPath(path, `List should have at least ${issue.minimum} item(s)`);
      if (issue.origin === 'string') return withPath(path, `String should have at least ${issue.minimum} character(s)`);
      return withPath(path, `Input should be greater than or equal to ${issue.minimum}`);
    }
    case 'too_big':
      return withPath(path, `Input should be less than or equal to ${issue.maximum}`);
    case 'invalid_value':
      return withPath(path, `Input should be ${issue.values.map((value) => `'${String(value)}'`).join(' or ')}`);
    default:
      return withPath(path, issue.message);
  }
}

const typeNames: Record<string, string> = {
  array: 'list',
  object: 'dictionary',
  record: 'dictionary',
  int: 'integer',
  string: 'string',
  number: 'number',
  boolean: 'boolean',
};

function describeExpected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return `a valid ${typeNames[issue.expected] ?? issue.expected}`;
  return 'valid';
}
