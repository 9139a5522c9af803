/**
 * The one JSON-object test the scripted model server's files share (request checks, message encoding, the demo
 * responder): a request body is untrusted JSON, so every field is read through it. Worker/dev side only.
 */

/** Whether a parsed JSON value is an object (not null, not an array), so its fields can be read by name. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
