/**
 * The JSON Schema a model receives for a tool's zod input schema. Bundle-safe: the workflow builds the spec of its
 * own tools (`spawn_agent`) with it, the worker those of the tool registry.
 */
import { z } from 'zod';

/** The JSON Schema of `schema`'s input side (defaults are optional), without the dialect line. */
export function toModelJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return json;
}
