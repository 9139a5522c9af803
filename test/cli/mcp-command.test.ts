/**
 * `keel mcp list` as a user runs it (bin/keel.js in a child process): the servers of KEEL_MCP_CONFIG, connected to
 * check their health, with their tools under the names models see. The servers are the reference ones from npm.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ListedMcpServer } from '../../src/cli/commands/mcp.js';
import { everythingStdioServer, filesystemStdioServer } from '../harness/mcp-test-servers.js';
import { freePort } from '../harness/free-port.js';
import { runKeel } from '../harness/keel-cli.js';

describe('keel mcp list', () => {
  const directory = mkdtempSync(join(tmpdir(), 'keel-mcp-list-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  const writeConfig = (name: string, config: unknown): string => {
    const file = join(directory, name);
    writeFileSync(file, JSON.stringify(config));
    return file;
  };

  test('keel mcp list: each server with its health and its tools under the names models see, exit 1 when one is down', async () => {
    const config = writeConfig('mcp.json', {
      mcpServers: {
        everything: everythingStdioServer,
        'files.local': filesystemStdioServer(directory),
        offline: { type: 'http', url: `http://127.0.0.1:${await freePort()}/mcp`, headers: { Authorization: { secret: 'mcp-token' } } },
      },
    });
    const run = await runKeel(['mcp', 'list', '--json'], { env: { KEEL_MCP_CONFIG: config, KEEL_SECRET_MCP_TOKEN: 'Bearer not-shown' } });
    assert.equal(run.code, 1, run.stderr);
    const listed = JSON.parse(run.stdout) as ListedMcpServer[];
    assert.deepEqual(listed.map((server) => [server.server, server.selector, server.health]), [
      ['everything', 'mcp__everything', 'up'],
      ['files.local', 'mcp__files_local', 'up'],
      ['offline', 'mcp__offline', 'down'],
    ]);
    const sum = listed[0]!.tools.find((tool) => tool.tool === 'get-sum')!;
    assert.deepEqual(sum, { name: 'mcp__everything__get-sum', tool: 'get-sum', mapped: false, safeToRetry: true });
    assert.equal(listed[0]!.tools.find((tool) => tool.tool === 'toggle-simulated-logging')!.safeToRetry, false);
    // A server name with a dot: every tool name is mapped, and the mapping is shown.
    const readFile = listed[1]!.tools.find((tool) => tool.tool === 'read_text_file')!;
    assert.match(readFile.name, /^mcp__files_local__read_text_file_[0-9a-f]{8}$/);
    assert.equal(readFile.mapped, true);
    assert.match(listed[2]!.error!, /the MCP server "offline" at http:\/\/127\.0\.0\.1:\d+\/mcp could not be reached/);
    assert.ok(!run.stdout.includes('not-shown'), 'a secret value never shows');

    const human = await runKeel(['mcp', 'list'], { env: { KEEL_MCP_CONFIG: writeConfig('one.json', { mcpServers: { everything: everythingStdioServer } }) } });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^everything \(stdio .*\): up, 13 tools$/m);
    assert.match(human.stdout, /^ {2}mcp__everything__toggle-simulated-logging {2}run at most once$/m);
  });

  test('keel mcp list: a configuration error names the server and the field', async () => {
    const config = writeConfig('bad.json', { mcpServers: { broken: { type: 'http', url: 'not a url' } } });
    const run = await runKeel(['mcp', 'list'], { env: { KEEL_MCP_CONFIG: config } });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /mcpServers\.broken: url: expected an http or https URL/);
  });
});
