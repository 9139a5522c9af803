import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mcpServerSelector, mcpToolName } from '../../src/mcp/mcp-tool-names.js';

const allowed = /^[a-zA-Z0-9_-]{1,64}$/;

describe('MCP tool names', () => {
  test('mcpToolName: a name the Messages API takes stays mcp__<server>__<tool>', () => {
    assert.equal(mcpToolName('everything', 'get-sum'), 'mcp__everything__get-sum');
    assert.equal(mcpServerSelector('everything'), 'mcp__everything');
  });

  test('mcpToolName: refused characters become _ and the name ends in a hash of the original, so look-alikes stay apart', () => {
    const dotted = mcpToolName('files', 'read.file');
    const underscored = mcpToolName('files', 'read_file');
    assert.match(dotted, /^mcp__files__read_file_[0-9a-f]{8}$/);
    assert.equal(underscored, 'mcp__files__read_file');
    assert.notEqual(dotted, underscored);
    assert.equal(mcpToolName('files', 'read.file'), dotted, 'the same tool maps to the same name on every worker');
    assert.equal(mcpServerSelector('My Server.v2'), 'mcp__My_Server_v2');
    assert.match(mcpToolName('My Server.v2', 'get-sum'), /^mcp__My_Server_v2__get-sum_[0-9a-f]{8}$/);
  });

  test('mcpToolName: a name over 64 characters is cut to 64 with its hash, and two long names that share a start differ', () => {
    const long = 'a_tool_whose_name_goes_on_and_on_well_past_what_the_api_takes';
    const first = mcpToolName('a-server-with-a-long-name', `${long}_first`);
    const second = mcpToolName('a-server-with-a-long-name', `${long}_second`);
    for (const name of [first, second]) {
      assert.equal(name.length, 64);
      assert.match(name, allowed);
      assert.ok(name.startsWith('mcp__a-server-with-a-long-name__a_tool_whose'));
    }
    assert.notEqual(first, second);
  });
});
