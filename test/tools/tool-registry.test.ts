import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/tools/define-tool.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';

const tool = (name: string, timeoutMs: number, heartbeatTimeoutMs?: number) =>
  defineTool({ name, description: name, inputSchema: z.object({}), timeoutMs, ...(heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs } : {}), handler: () => 'ok' });

test('resolve: a heartbeat timeout shorter than the attempt is kept; one no shorter is left out, so one timeout names the failure', () => {
  const registry = new ToolRegistry([tool('long', 60_000), tool('short', 500), tool('own', 10_000, 2_000), tool('equal', 2_000, 2_000)], 5_000);
  assert.equal(registry.resolve(registry.get('long')!).heartbeatTimeoutMs, 5_000);
  assert.equal(registry.resolve(registry.get('own')!).heartbeatTimeoutMs, 2_000);
  assert.equal('heartbeatTimeoutMs' in registry.resolve(registry.get('short')!), false);
  assert.equal('heartbeatTimeoutMs' in registry.resolve(registry.get('equal')!), false);
});
