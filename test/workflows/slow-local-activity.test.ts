/**
 * A session's configuration is read by local activities within its workflow task. When one takes longer than the
 * task may run (an MCP server that is slow to start: its tools are listed by `resolveTools`), the worker completes
 * the task and goes on in the next, and messages that arrive meanwhile reach the workflow before the activity's
 * result does. Such a history must replay (a worker that did not run the session reads it, and an ended session's
 * queries are answered by replay).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMcpConfig } from '../../src/mcp/mcp-config.js';
import { McpServers } from '../../src/mcp/mcp-servers.js';
import { everythingServerScript } from '../harness/mcp-test-servers.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { textReply } from '../harness/scripted-replies.js';
import { useKeel } from '../harness/use-keel.js';
import { waitForStatus } from '../harness/wait-for.js';

/** Longer than 80% of the default ten-second workflow task timeout, when the worker sends the task back to the server. */
const SLOW_START_SECONDS = 12;

describe('a local activity longer than a workflow task', () => {
  const keel = useKeel({
    // Every call answered alike: a model call the load made the server retry must not run out a script.
    model: { responder: () => textReply('Answered.') },
    worker: (keel) => {
      const config = parseMcpConfig({
        mcpServers: { slow: { command: 'sh', args: ['-c', `sleep ${SLOW_START_SECONDS}; exec "${process.execPath}" "${everythingServerScript}"`] } },
      });
      // Not started here: the session's resolveTools starts it, so that its slow start falls within the session's task.
      const mcp = keel.closeAfter(new McpServers(config, { secrets: [], connectTimeoutMs: 60_000 }));
      return { mcp };
    },
  });

  test('a message sent while the session waits for its MCP server to start: the session answers it, and its history replays', async () => {
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', tools: ['mcp__slow'], messages: [{ role: 'user', content: 'Hello.' }] });
    // After the first workflow task went back to the server, before the tools are listed.
    await new Promise((resolve) => setTimeout(resolve, (SLOW_START_SECONDS - 3) * 1000));
    const second = handle.sendMessage('Second.', { id: 'second' });
    await handle.resetContext({ strategy: 'clear', reason: 'during the slow start' });
    const reply = await second;
    assert.equal(reply.text, 'Answered.');
    await waitForStatus(handle, 'waiting_for_input', 'both messages answered');
    // The case under test happened: the tools' marker is recorded after a workflow task that completed without it.
    const events = (await handle.workflow.fetchHistory()).events ?? [];
    const markers = events.flatMap((event, index) => (event.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? [index] : []));
    const tasksBefore = events.slice(0, markers.at(-1)).filter((event) => event.workflowTaskCompletedEventAttributes).length;
    assert.ok(tasksBefore >= 2, `the tools were listed in a later workflow task than the session's first (${tasksBefore} completed before)`);
    await assertHistoriesReplay(keel.environment.bundle, [handle]);
    await handle.cancel();
    await assertHistoriesReplay(keel.environment.bundle, [handle]);
  });
});
