/**
 * The MCP configuration as a worker loads it: the format other MCP hosts use, errors that name the server and the
 * field, and the README's example, whose stdio server runs here (the reference everything server from npm).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { parseMcpConfig } from '../../src/mcp/mcp-config.js';
import { McpServers } from '../../src/mcp/mcp-servers.js';
import { readmeBlock } from '../harness/readme-blocks.js';

const refusal = (config: unknown, pattern: RegExp) =>
  assert.throws(
    () => parseMcpConfig(config, 'mcp.json'),
    (error: Error) => ConfigError.isInstance(error) && pattern.test(error.message),
  );

describe('MCP configuration', () => {
  test('parseMcpConfig: stdio and http servers with secret references; fields of other hosts pass, disabled servers are left out', () => {
    const servers = parseMcpConfig({
      mcpServers: {
        local: { command: 'node', args: ['server.js'], env: { TOKEN: { secret: 'local-token' }, MODE: 'fast' }, autoApprove: ['x'] },
        remote: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: { secret: 'remote-token' } }, safeToRetry: ['search'] },
        legacy: { type: 'streamable-http', url: 'http://127.0.0.1:3001/mcp' },
        off: { command: 'node', disabled: true },
      },
    });
    assert.deepEqual(
      servers.map((server) => [server.name, server.type ?? 'stdio']),
      [
        ['local', 'stdio'],
        ['remote', 'http'],
        ['legacy', 'http'],
      ],
    );
    assert.deepEqual(servers[0]!.type === 'http' ? undefined : servers[0]!.env, { TOKEN: { secret: 'local-token' }, MODE: 'fast' });
    assert.deepEqual(servers[1]!.safeToRetry, ['search']);
  });

  test('parseMcpConfig: errors name the server and the field', () => {
    refusal({ mcpServers: { files: { args: ['x'] } } }, /^mcp\.json: mcpServers\.files: command: /);
    refusal({ mcpServers: { remote: { type: 'http', url: 'ftp://example.com' } } }, /^mcp\.json: mcpServers\.remote: url: expected an http or https URL/);
    refusal({ mcpServers: { remote: { type: 'http', url: 'https://x', headers: { Authorization: { secret: '../etc' } } } } }, /mcpServers\.remote: headers\.Authorization\.secret: a secret name is/);
    refusal({ mcpServers: { slow: { command: 'node', timeoutSeconds: -1 } } }, /mcpServers\.slow: timeoutSeconds: /);
    refusal({ mcpServers: { old: { type: 'sse', url: 'https://x' } } }, /mcpServers\.old\.type: the SSE transport is not supported/);
    refusal({ mcpServers: [] }, /mcpServers: expected an object of servers by name/);
  });

  test('McpServers: two servers whose names map alike are refused', () => {
    assert.throws(
      () => new McpServers(parseMcpConfig({ mcpServers: { 'a.b': { command: 'x' }, a_b: { command: 'y' } } }), { secrets: [] }),
      /MCP servers "a\.b" and "a_b" would both be named mcp__a_b; rename one/,
    );
  });

  test("README: the MCP configuration example loads, and its stdio server's tools are listed", async () => {
    const servers = parseMcpConfig(JSON.parse(readmeBlock('"mcpServers"').code), 'README');
    assert.deepEqual(
      servers.map((server) => server.name),
      ['everything', 'files', 'tickets'],
    );
    const mcp = new McpServers(servers.filter((server) => server.name === 'everything'), { secrets: [] });
    try {
      const entries = await mcp.entries(mcp.servers[0]!);
      assert.ok(entries.some((entry) => entry.name === 'mcp__everything__echo'));
    } finally {
      await mcp.close();
    }
  });
});
