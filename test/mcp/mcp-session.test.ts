/**
 * Sessions that use MCP tool sources, end to end: real dev server, real worker, the real Anthropic SDK against the
 * scripted model server, and the reference "everything" MCP server from npm over stdio and over streamable HTTP.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionHandle } from '../../src/client/session-client.js';
import { parseMcpConfig } from '../../src/mcp/mcp-config.js';
import { McpServers } from '../../src/mcp/mcp-servers.js';
import { everythingStdioServer, oddToolsStdioServer, startEverythingHttpServer, startHeaderGate, type EverythingHttpServer, type HeaderGate } from '../harness/mcp-test-servers.js';
import { EnvironmentSecretsProvider } from '../../src/secrets/environment-secrets-provider.js';
import { freePort } from '../harness/free-port.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { textReply, toolCallsReply, toolResultsIn } from '../harness/scripted-replies.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

type OfferedTool = { name: string; description?: string; input_schema: Record<string, unknown> };

describe('sessions with MCP tools', () => {
  let mcp: McpServers;
  let gate: HeaderGate;
  let remote: EverythingHttpServer;
  const keel = useKeel({
    model: {},
    worker: async (keel) => {
      remote = keel.closeAfter(await startEverythingHttpServer());
      gate = keel.closeAfter(await startHeaderGate(remote.url, 'Authorization', 'Bearer gate-secret'));
      const config = parseMcpConfig({
        mcpServers: {
          // Its calls are never retried, so a call cut short by the server's death comes back as a tool error.
          everything: { ...everythingStdioServer, safeToRetry: false },
          remote: { type: 'http', url: remote.url },
          // Behind a gate that wants a token, which comes from the worker's secrets.
          gated: { type: 'http', url: gate.url, headers: { Authorization: { secret: 'gate-token' } } },
          // Nothing listens there: a server that is down when sessions start.
          offline: { type: 'http', url: `http://127.0.0.1:${await freePort()}/mcp` },
          // A name the Messages API would refuse in a tool name; its calls are retried as its annotations allow.
          'Everything Server.v2': everythingStdioServer,
          odd: { ...oddToolsStdioServer, timeoutSeconds: 3 },
        },
      });
      const secrets = [new EnvironmentSecretsProvider({ KEEL_SECRET_GATE_TOKEN: 'Bearer gate-secret' })];
      mcp = keel.closeAfter(new McpServers(config, { secrets, heartbeatTimeoutMs: 5_000 }));
      mcp.start();
      return { mcp };
    },
  });
  const started: SessionHandle[] = [];
  const track = async (handle: Promise<SessionHandle>): Promise<SessionHandle> => {
    started.push(await handle);
    return started.at(-1)!;
  };
  const server = (name: string) => mcp.servers.find((connection) => connection.name === name)!;
  /** Kills a server process once the session's tool call is running in its activity (not before it reached the server). */
  const killDuringToolCall = async (handle: SessionHandle, pid: number): Promise<void> => {
    await waitFor('the tool call to start', async () => {
      const description = await keel.environment.client.workflow.getHandle(handle.workflowId).describe();
      return description.raw.pendingActivities?.some((activity) => activity.activityType?.name === 'runTool' && activity.lastStartedTime);
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(pid, 'SIGKILL');
  };

  test('stdio and streamable HTTP: the tools reach the model with the schemas their servers declare, and their results come back', async () => {
    keel.model.push(
      toolCallsReply(
        { id: 'toolu_sum', name: 'mcp__everything__get-sum', input: { a: 2, b: 3 } },
        { id: 'toolu_echo', name: 'mcp__remote__echo', input: { message: 'over http' } },
        { id: 'toolu_image', name: 'mcp__remote__get-tiny-image', input: {} },
      ),
      textReply('2 + 3 is 5, the echo came back and so did the image.'),
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await track(
      keel.worker.sessions.start({ profile: 'test', tools: ['mcp__everything__get-sum', 'mcp__remote'], messages: [{ role: 'user', content: 'add and echo' }] }),
    );
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const requests = keel.model.requests.slice(requestsBefore);
    assert.equal(requests.length, 2);

    const offered = requests[0]!.body.tools as OfferedTool[];
    const declaredSum = (await server('everything').tools()).find((tool) => tool.name === 'get-sum')!;
    const sum = offered.find((tool) => tool.name === 'mcp__everything__get-sum')!;
    assert.deepEqual(sum.input_schema, declaredSum.inputSchema);
    assert.equal(sum.description, declaredSum.description);
    assert.deepEqual((sum.input_schema as { required?: string[] }).required, ['a', 'b']);
    // The whole remote server: each of its tools, named for it, with its schema as declared.
    const declaredRemote = await server('remote').tools();
    const remoteOffered = offered.filter((tool) => tool.name.startsWith('mcp__remote__'));
    assert.deepEqual(remoteOffered.map((tool) => tool.name).sort(), declaredRemote.map((tool) => `mcp__remote__${tool.name}`).sort());
    for (const tool of declaredRemote) {
      const schema = { ...(tool.inputSchema as object), type: 'object' };
      assert.deepEqual(remoteOffered.find((offer) => offer.name === `mcp__remote__${tool.name}`)!.input_schema, schema);
    }
    assert.ok(offered.some((tool) => tool.name === 'read_output'));

    const results = toolResultsIn(requests[1]!);
    assert.deepEqual(results.get('toolu_sum'), { content: 'The sum of 2 and 3 is 5.', isError: false });
    assert.deepEqual(results.get('toolu_echo'), { content: 'Echo: over http', isError: false });
    // The image reaches the model as an image block, from the content store.
    const image = results.get('toolu_image') as unknown as { content: Array<{ type: string; source?: { type: string; media_type: string; data: string } }>; isError: boolean };
    assert.equal(image.isError, false);
    assert.deepEqual(image.content.map((block) => block.type), ['text', 'image', 'text']);
    assert.equal(image.content[1]!.source!.media_type, 'image/png');
    assert.ok(image.content[1]!.source!.data.startsWith('iVBORw0KGgo'));
  });

  test('streamable HTTP with a header from the worker\'s secrets: the server gets it on every request', async () => {
    keel.model.push(toolCallsReply({ id: 'toolu_gated', name: 'mcp__gated__echo', input: { message: 'through the gate' } }), textReply('passed'));
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['mcp__gated__echo'], messages: [{ role: 'user', content: 'echo' }] }));
    assert.equal((await handle.result()).status, 'completed');
    assert.deepEqual(toolResultsIn(keel.model.requests[requestsBefore + 1]!).get('toolu_gated'), { content: 'Echo: through the gate', isError: false });
    assert.ok(gate.passed > 0);
    assert.equal(gate.refused, 0);
  });

  test('a stdio server killed mid-call: that call is a tool error, the next runs on the restarted server, the session completes', async () => {
    const firstPid = await waitFor('the everything server to run', () => server('everything').pid);
    keel.model.push(
      toolCallsReply({ id: 'toolu_long', name: 'mcp__everything__trigger-long-running-operation', input: { duration: 30, steps: 30 } }),
      toolCallsReply({ id: 'toolu_after', name: 'mcp__everything__get-sum', input: { a: 20, b: 22 } }),
      textReply('The long operation was lost, but the sum is 42.'),
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['mcp__everything'], messages: [{ role: 'user', content: 'run long, then add' }] }));
    await killDuringToolCall(handle, firstPid);

    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'The long operation was lost, but the sum is 42.');
    const requests = keel.model.requests.slice(requestsBefore);
    const lost = toolResultsIn(requests[1]!).get('toolu_long')!;
    assert.equal(lost.isError, true);
    assert.match(lost.content, /^the mcp__everything__trigger-long-running-operation tool failed: the MCP server "everything" failed during the call: .*Connection closed/);
    assert.deepEqual(toolResultsIn(requests[2]!).get('toolu_after'), { content: 'The sum of 20 and 22 is 42.', isError: false });
    const secondPid = server('everything').pid;
    assert.ok(secondPid !== undefined && secondPid !== firstPid, `the server runs again under a new process (${firstPid} -> ${secondPid})`);
  });

  test('a server that is down when the session starts: its tools are left out and the session goes on with the others', async () => {
    keel.model.push(toolCallsReply({ id: 'toolu_echo', name: 'mcp__everything__echo', input: { message: 'still here' } }), textReply('done without it'));
    const requestsBefore = keel.model.requests.length;
    const handle = await track(
      keel.worker.sessions.start({ profile: 'test', tools: ['mcp__offline', 'mcp__everything__echo'], messages: [{ role: 'user', content: 'use what works' }] }),
    );
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const requests = keel.model.requests.slice(requestsBefore);
    assert.deepEqual((requests[0]!.body.tools as OfferedTool[]).map((tool) => tool.name), ['mcp__everything__echo', 'read_output']);
    assert.deepEqual(toolResultsIn(requests[1]!).get('toolu_echo'), { content: 'Echo: still here', isError: false });
    assert.equal(server('offline').connected, false);
    assert.match(server('offline').lastError ?? '', /could not be reached/);
  });

  test('a server name the Messages API would refuse in tool names: the tools are offered under mapped names and called by them', async () => {
    const entries = await mcp.entries(server('Everything Server.v2'));
    const sum = entries.find((entry) => entry.tool === 'get-sum')!;
    assert.match(sum.name, /^mcp__Everything_Server_v2__get-sum_[0-9a-f]{8}$/);
    keel.model.push(toolCallsReply({ id: 'toolu_mapped', name: sum.name, input: { a: 1, b: 1 } }), textReply('two'));
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['mcp__Everything_Server_v2'], messages: [{ role: 'user', content: 'add one and one' }] }));
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const requests = keel.model.requests.slice(requestsBefore);
    const names = (requests[0]!.body.tools as OfferedTool[]).map((tool) => tool.name);
    assert.ok(names.includes(sum.name));
    for (const name of names) assert.match(name, /^[a-zA-Z0-9_-]{1,64}$/);
    assert.deepEqual(toolResultsIn(requests[1]!).get('toolu_mapped'), { content: 'The sum of 1 and 1 is 2.', isError: false });
  });

  test('a stdio server killed mid-call of a tool it marks idempotent: the call is retried on the restarted server and succeeds', async () => {
    const mapped = server('Everything Server.v2');
    const firstPid = await waitFor('the server to run', () => mapped.pid);
    const long = (await mcp.entries(mapped)).find((entry) => entry.tool === 'trigger-long-running-operation')!;
    assert.equal(long.resolved!.safeToRetry, true);
    keel.model.push(toolCallsReply({ id: 'toolu_long', name: long.name, input: { duration: 2, steps: 2 } }), textReply('done after a retry'));
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: [long.name], messages: [{ role: 'user', content: 'run long' }] }));
    await killDuringToolCall(handle, firstPid);
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const requests = keel.model.requests.slice(requestsBefore);
    assert.deepEqual(toolResultsIn(requests[1]!).get('toolu_long'), { content: 'Long running operation completed. Duration: 2 seconds, Steps: 2.', isError: false });
    assert.notEqual(mapped.pid, firstPid);
  });

  test('odd tools: a schema without its type is completed, schemas the API refuses are left out, a long name is cut, an error result and a timeout are tool errors', async () => {
    const entries = await mcp.entries(server('odd'));
    const byTool = new Map(entries.map((entry) => [entry.tool, entry]));
    assert.equal(byTool.get('either')!.refused, 'its input schema uses anyOf at the top level, which the Messages API refuses');
    assert.match(byTool.get('string-input')!.refused!, /"type": "string"/);
    const long = [...byTool.values()].find((entry) => entry.tool.startsWith('summarise_'))!;
    assert.equal(long.name.length, 64);
    keel.model.push(
      toolCallsReply(
        { id: 'toolu_untyped', name: 'mcp__odd__untyped', input: { text: 'quiet' } },
        { id: 'toolu_long', name: long.name, input: {} },
        { id: 'toolu_flaky', name: 'mcp__odd__flaky_write', input: {} },
        { id: 'toolu_slow', name: 'mcp__odd__slow', input: {} },
      ),
      textReply('some worked'),
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['mcp__odd'], messages: [{ role: 'user', content: 'try them all' }] }));
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const requests = keel.model.requests.slice(requestsBefore);
    const offered = requests[0]!.body.tools as OfferedTool[];
    assert.deepEqual(offered.map((tool) => tool.name), ['mcp__odd__untyped', long.name, 'mcp__odd__flaky_write', 'mcp__odd__slow', 'read_output']);
    assert.deepEqual(offered[0]!.input_schema, { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
    const results = toolResultsIn(requests[1]!);
    assert.deepEqual(results.get('toolu_untyped'), { content: 'QUIET', isError: false });
    assert.deepEqual(results.get('toolu_long'), { content: 'The quarter went well.', isError: false });
    assert.deepEqual(results.get('toolu_flaky'), { content: 'no space left on device', isError: true });
    const slow = results.get('toolu_slow')!;
    assert.equal(slow.isError, true);
    assert.match(slow.content, /^the mcp__odd__slow tool failed: the MCP server "odd" did not answer within 2 s/);

    // Named on its own, a tool whose schema the API refuses fails the session at start, saying why.
    const refused = await track(keel.worker.sessions.start({ profile: 'test', tools: ['mcp__odd__either'], messages: [{ role: 'user', content: 'x' }] }));
    await assert.rejects(refused.result(), (error: Error) => {
      assert.match(((error.cause ?? error) as Error).message, /the tool "mcp__odd__either" cannot be offered to the model: its input schema uses anyOf at the top level/);
      return true;
    });
  });

  test('an HTTP server restarted between calls (its sessions lost): the next call is retried on a new connection and succeeds', async () => {
    keel.model.push(
      toolCallsReply({ id: 'toolu_before', name: 'mcp__remote__echo', input: { message: 'before' } }),
      // Held back while the server restarts.
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_after', name: 'mcp__remote__echo', input: { message: 'after' } }], delayMs: 5_000 },
      textReply('both echoed'),
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', mode: 'task', tools: ['mcp__remote__echo'], messages: [{ role: 'user', content: 'echo twice' }] }));
    await waitFor('the first call to be answered', () => keel.model.requests.length >= requestsBefore + 2);
    // The same port, a new process: the MCP session the worker held is unknown there.
    const port = Number(new URL(remote.url).port);
    await remote.close();
    remote = keel.closeAfter(await startEverythingHttpServer(port));
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const requests = keel.model.requests.slice(requestsBefore);
    assert.deepEqual(toolResultsIn(requests[1]!).get('toolu_before'), { content: 'Echo: before', isError: false });
    assert.deepEqual(toolResultsIn(requests[2]!).get('toolu_after'), { content: 'Echo: after', isError: false });
  });

  test('a session naming an unknown MCP server or tool fails at start, naming it', async () => {
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['mcp__everything__no-such-tool'], messages: [{ role: 'user', content: 'x' }] }));
    await assert.rejects(handle.result(), (error: Error) => {
      const cause = (error.cause ?? error) as Error & { type?: string };
      assert.equal(cause.type, 'Config.UnknownTool');
      assert.match(cause.message, /unknown tool "mcp__everything__no-such-tool": the MCP server "everything" has mcp__everything__echo, /);
      return true;
    });
  });

  test('replay: the histories of the sessions above replay with the current code', async () => {
    assert.ok(started.length >= 4);
    await Promise.all(started.map((handle) => handle.result().catch(() => undefined)));
    await assertHistoriesReplay(keel.environment.bundle, started);
  });
});
