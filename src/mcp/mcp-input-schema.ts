/**
 * An MCP tool's input schema as the Messages API takes it. The API wants an object schema (`"type": "object"`) and
 * refuses `oneOf`, `anyOf` and `allOf` at the top level. A schema that only leaves out the type gets it; any other
 * schema reaches the model exactly as the server declares it, and one the API would refuse is reported, so the tool
 * is left out with that reason rather than failing every model call of the session. Worker-side.
 */

export type McpInputSchemaCheck = { ok: true; schema: Record<string, unknown> } | { ok: false; reason: string };

const refusedAtTop = ['oneOf', 'anyOf', 'allOf'] as const;

export function checkMcpInputSchema(schema: unknown): McpInputSchemaCheck {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return { ok: false, reason: 'its input schema is not a JSON Schema object' };
  }
  const declared = schema as Record<string, unknown>;
  if (declared.type !== undefined && declared.type !== 'object') {
    return { ok: false, reason: `its input schema has "type": ${JSON.stringify(declared.type)}; the Messages API takes only "type": "object"` };
  }
  const combinators = refusedAtTop.filter((keyword) => keyword in declared);
  if (combinators.length > 0) {
    return { ok: false, reason: `its input schema uses ${combinators.join(', ')} at the top level, which the Messages API refuses` };
  }
  return { ok: true, schema: declared.type === undefined ? { type: 'object', ...declared } : declared };
}
