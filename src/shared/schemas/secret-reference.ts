/** A credential named, never carried: what session inputs and workflow state hold instead of a secret. Bundle-safe. */
import { z } from 'zod';
import { stringMatching } from './string-matching.js';

export const secretReferenceSchema = z.object({
  /** The secret's name at the worker's secrets provider: letters, digits, `.`, `_`, `-` (no path separators). */
  secret: stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/, 'a secret name is 1-128 letters, digits, ".", "_" or "-", not starting with "."'),
});

export type SecretReference = z.infer<typeof secretReferenceSchema>;
