import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkMcpInputSchema } from '../../src/mcp/mcp-input-schema.js';

describe('MCP input schemas', () => {
  test('checkMcpInputSchema: an object schema passes exactly as declared', () => {
    const schema = { type: 'object', properties: { a: { type: 'number', description: 'First' } }, required: ['a'], additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#' };
    assert.deepEqual(checkMcpInputSchema(schema), { ok: true, schema });
  });

  test('checkMcpInputSchema: a schema without a type becomes an object schema', () => {
    assert.deepEqual(checkMcpInputSchema({ properties: { path: { type: 'string' } } }), { ok: true, schema: { type: 'object', properties: { path: { type: 'string' } } } });
  });

  test('checkMcpInputSchema: what the Messages API refuses is refused with the reason', () => {
    assert.deepEqual(checkMcpInputSchema({ type: 'string' }), { ok: false, reason: 'its input schema has "type": "string"; the Messages API takes only "type": "object"' });
    assert.deepEqual(checkMcpInputSchema({ type: 'object', anyOf: [{ required: ['a'] }, { required: ['b'] }] }), {
      ok: false,
      reason: 'its input schema uses anyOf at the top level, which the Messages API refuses',
    });
    assert.deepEqual(checkMcpInputSchema(null), { ok: false, reason: 'its input schema is not a JSON Schema object' });
  });
});
