/**
 * The representative sessions whose histories are recorded into test/fixtures/histories/ (`npm run
 * record-histories`) and replayed by test/workflows/replay.test.ts against the current workflow code. Each scenario
 * drives a real session (dev server, worker, scripted model over the real SDK) to its end and returns its handle.
 *
 * Add a scenario here for each new path through the workflow (a new message, tool, wait or ending), then record.
 */
import type { Client } from '@temporalio/client';
import type { SessionHandle } from '../../src/client/session-client.js';
import { forkGrant } from '../../src/codec/fork-grant.js';
import type { ScriptedModelServer, ScriptedModelServerOptions, ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { SESSION_WORKFLOW_TYPE } from '../../src/shared/constants.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { parseMcpConfig } from '../../src/mcp/mcp-config.js';
import { McpServers } from '../../src/mcp/mcp-servers.js';
import { everythingStdioServer } from './mcp-test-servers.js';
import type { RunningWorker, WorkerSetup } from './temporal-env.js';
import { callsBefore, responderByTask, spawnReply, spawnResults } from './sub-agent-model.js';
import { testProfiles } from './test-profiles.js';
import { waitFor, waitForStatus } from './wait-for.js';

export interface ScenarioContext {
  client: Client;
  /**
   * A worker of its own and the scripted model server it calls, so that no reply left over by one scenario
   * reaches another. `validate: false` lets the model ask for tools the session never offered.
   */
  startWorker(
    options?: ScriptedModelServerOptions,
    profiles?: Record<string, ProfileConfig>,
    setup?: Pick<WorkerSetup, 'mcp' | 'taskQueue'>,
  ): Promise<{ worker: RunningWorker; model: ScriptedModelServer }>;
  /** The workers' fork grant key, for sessions started as forks. */
  grantKey: Buffer;
}

export interface HistoryScenario {
  /** The fixture's file name (without `.json`) and its workflow id. */
  name: string;
  /** What path through the workflow it covers. */
  covers: string;
  /** How the recorded run ends. */
  ends: 'completed' | 'failed';
  /**
   * The session continues as new: every run is recorded, the first as `<name>.run-1.json` and so on, the last as
   * `<name>.json`. @default false (one run)
   */
  continuesAsNew?: boolean;
  run(context: ScenarioContext, workflowId: string): Promise<SessionHandle>;
}

const text = (value: string, usage = { input_tokens: 12, output_tokens: 4 }): ScriptedReply => ({ kind: 'message', content: [{ type: 'text', text: value }], usage });
const idle = async (handle: SessionHandle) => waitForStatus(handle, 'waiting_for_input', 'the session to wait for input');

export const historyScenarios: HistoryScenario[] = [
  {
    name: 'task-completed',
    covers: 'a task session: one model call, completed',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker, model } = await startWorker();
      model.push(text('Hamlet avenges his father and everyone dies.'));
      const handle = await worker.sessions.start({ profile: 'test', system: 'Be brief.', messages: [{ role: 'user', content: 'Summarise Hamlet.' }] }, { workflowId });
      await handle.result();
      return handle;
    },
  },
  {
    name: 'chat-three-turns',
    covers: 'a chat session: opening turn, two sendMessage updates, cancellation while waiting for input',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker, model } = await startWorker();
      model.push(text('Hello! How can I help?'));
      const handle = await worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hi' }] }, { workflowId });
      await idle(handle);
      model.push(text('Paris.'));
      await handle.sendMessage('What is the capital of France?', { id: 'message-2' });
      model.push(text('About 2.1 million people.'));
      await handle.sendMessage([{ type: 'text', text: 'How many live there?' }], { id: 'message-3' });
      await handle.cancel();
      await handle.result();
      return handle;
    },
  },
  {
    name: 'chat-user-message-signals',
    covers: 'userMessage signals, one repeated id applied once, idle timeout ending the session',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      // The notes may arrive in one workflow task or two: the model answers as often as it is asked.
      const { worker } = await startWorker({ responder: () => text('Noted.') });
      const handle = await worker.sessions.start(
        { profile: 'test', mode: 'chat', limits: { idleTimeoutSeconds: 2 }, messages: [{ role: 'user', content: 'start' }] },
        { workflowId },
      );
      await idle(handle);
      await handle.userMessage('first note', { id: 'note-1' });
      await handle.userMessage('first note', { id: 'note-1' });
      await handle.userMessage('second note', { id: 'note-2' });
      await handle.result();
      return handle;
    },
  },
  {
    name: 'model-retries',
    covers: 'a model call that fails twice (429 with retry-after, then a stream error) and succeeds on its third attempt',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker, model } = await startWorker();
      model.push({ kind: 'http-error', status: 429, retryAfterSeconds: 1 }, { kind: 'stream-error', afterEvents: 2 }, text('Third time lucky.'));
      const handle = await worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'try hard' }] }, { workflowId });
      await handle.result();
      return handle;
    },
  },
  {
    name: 'failed-model-bad-request',
    covers: 'a failed session: the model call is refused with 400 (not retried) and the workflow fails with Model.BadRequest',
    ends: 'failed',
    async run({ startWorker }, workflowId) {
      const { worker, model } = await startWorker();
      model.push({ kind: 'http-error', status: 400, message: 'messages.0.content: prompt is too long' });
      const handle = await worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'an overlong prompt' }] }, { workflowId });
      await handle.result().catch(() => undefined);
      return handle;
    },
  },
  {
    name: 'failed-invalid-input',
    covers: 'a session started by another client with an input that breaks the schema: InvalidSessionInput at once',
    ends: 'failed',
    async run({ client, startWorker }, workflowId) {
      const { worker } = await startWorker();
      const workflow = await client.workflow.start(SESSION_WORKFLOW_TYPE, { taskQueue: worker.taskQueue, workflowId, args: [{ messages: [] }] });
      await workflow.result().catch(() => undefined);
      return worker.sessions.getHandle(workflowId);
    },
  },
  {
    name: 'interrupt-and-limit',
    covers: 'interrupt during a model call (unanswered tool call answered as not run), then maxTurns reached',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker: lenientWorker, model: lenientModel } = await startWorker({ validate: false });
      lenientModel.push({ kind: 'message', content: [{ type: 'tool_use', id: 'toolu_interrupted', name: 'bash', input: { command: 'ls' } }], chunkDelayMs: 200 });
      const handle = await lenientWorker.sessions.start(
        { profile: 'test', mode: 'chat', limits: { maxTurns: 3 }, messages: [{ role: 'user', content: 'work' }] },
        { workflowId },
      );
      await waitFor('the model call to begin', () => lenientModel.requests.some((request) => request.body?.messages?.[0]?.content === 'work'));
      await handle.interrupt('stop that');
      await idle(handle);
      const call: ScriptedReply = { kind: 'message', content: [{ type: 'tool_use', name: 'bash', input: { command: 'true' } }] };
      lenientModel.push(call, call);
      await handle.userMessage('carry on');
      await handle.result();
      return handle;
    },
  },
  {
    name: 'tools-local-sandbox',
    covers: 'tool calls in the local sandbox: write_file and bash in one turn (parallel activities), their results read by the next model call',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker, model } = await startWorker();
      model.push(
        {
          kind: 'message',
          content: [
            { type: 'tool_use', id: 'toolu_write', name: 'write_file', input: { path: 'hello.sh', content: 'echo hello from the sandbox' } },
            { type: 'tool_use', id: 'toolu_list', name: 'list_files', input: {} },
          ],
        },
        { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_run', name: 'bash', input: { command: 'sh hello.sh' } }] },
        text('It printed: hello from the sandbox.'),
      );
      const handle = await worker.sessions.start(
        { profile: 'test', tools: ['bash', 'write_file', 'list_files'], messages: [{ role: 'user', content: 'Write a script and run it.' }] },
        { workflowId },
      );
      await handle.result();
      return handle;
    },
  },
  {
    name: 'local-model-calls',
    covers: 'modelCall.local: model calls and a retry-safe tool (read_file) as local activities (markers), a tool not safe to retry (bash) as an ordinary activity, a prelude before the second call',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker, model } = await startWorker({}, { ...testProfiles, local: { ...testProfiles.test, modelCall: { ...testProfiles.test.modelCall, local: true } } });
      model.push(
        { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_run', name: 'bash', input: { command: 'echo noted > note.txt' } }] },
        { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_read', name: 'read_file', input: { path: 'note.txt' } }] },
        text('The note says: noted.'),
      );
      const handle = await worker.sessions.start(
        { profile: 'local', tools: ['bash', 'read_file'], messages: [{ role: 'user', content: 'Write a note, then read it back.' }] },
        { workflowId },
      );
      await handle.result();
      return handle;
    },
  },
  {
    name: 'mcp-tools',
    covers: 'MCP tools: a whole stdio server enabled by mcp__<server>, listed by resolveTools; two calls in one turn, one with an image result kept in the content store',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const mcp = new McpServers(parseMcpConfig({ mcpServers: { everything: everythingStdioServer } }), { secrets: [] });
      try {
        const { worker, model } = await startWorker({}, undefined, { mcp });
        model.push(
          {
            kind: 'message',
            content: [
              { type: 'tool_use', id: 'toolu_sum', name: 'mcp__everything__get-sum', input: { a: 2, b: 3 } },
              { type: 'tool_use', id: 'toolu_image', name: 'mcp__everything__get-tiny-image', input: {} },
            ],
          },
          text('The sum is 5, and the image is the MCP logo.'),
        );
        const handle = await worker.sessions.start({ profile: 'test', tools: ['mcp__everything'], messages: [{ role: 'user', content: 'Add 2 and 3, then show me the logo.' }] }, { workflowId });
        await handle.result();
        return handle;
      } finally {
        await mcp.close();
      }
    },
  },
  {
    name: 'tool-approval',
    covers: 'approval.tools: two calls wait (waiting_for_approval); decideToolCall approves one with edited input and denies the other',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker, model } = await startWorker();
      model.push(
        {
          kind: 'message',
          content: [
            { type: 'tool_use', id: 'toolu_ok', name: 'bash', input: { command: 'echo original' } },
            { type: 'tool_use', id: 'toolu_no', name: 'bash', input: { command: 'rm -rf /workspace' } },
          ],
        },
        text('Reviewed and done.'),
      );
      const handle = await worker.sessions.start(
        { profile: 'test', tools: ['bash'], approval: { tools: ['bash'] }, messages: [{ role: 'user', content: 'Tidy up, carefully.' }] },
        { workflowId },
      );
      await waitFor('two calls to wait for approval', async () => (await handle.state()).pendingApprovals.length === 2);
      await handle.decideToolCall({ toolUseId: 'toolu_ok', approve: true, input: { command: 'echo edited' }, reason: 'safer' });
      await handle.decideToolCall({ toolUseId: 'toolu_no', approve: false, reason: 'never delete the workspace' });
      await handle.result();
      return handle;
    },
  },
  {
    name: 'context-reset',
    covers: 'resetContext during a chat session: the next model call starts from a reset context, with its marker',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker, model } = await startWorker();
      model.push(text('First answer.'));
      const handle = await worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'Remember the number 7.' }] }, { workflowId });
      await idle(handle);
      await handle.resetContext({ strategy: 'clear', reason: 'start over' });
      model.push(text('After the reset.'));
      await handle.sendMessage('What number?', { id: 'after-reset' });
      await handle.cancel();
      await handle.result();
      return handle;
    },
  },
  {
    name: 'context-reset-first-task',
    covers:
      "resetContext and a sendMessage update in the session's first workflow task (accepted after the patch marker and its search attribute upsert), then cancelled",
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      // No worker polls while the session starts and takes both messages, so that they reach its first task.
      const { worker: idleWorker } = await startWorker();
      await idleWorker.stop();
      const handle = await idleWorker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'Remember the number 7.' }] }, { workflowId });
      await handle.resetContext({ strategy: 'clear', reason: 'start over' });
      const sent = handle.sendMessage('What number?', { id: 'first-task' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await startWorker({ responder: () => text('No number yet.') }, undefined, { taskQueue: idleWorker.taskQueue });
      await sent;
      await handle.cancel();
      await handle.result();
      return handle;
    },
  },
  {
    name: 'context-reset-same-task-idle',
    covers: 'resetContext and a sendMessage update in one workflow task while waiting for input, then the idle timeout ends the session',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const responder = () => text('Noted.');
      const { worker } = await startWorker({ responder });
      const handle = await worker.sessions.start(
        { profile: 'test', mode: 'chat', limits: { idleTimeoutSeconds: 5 }, messages: [{ role: 'user', content: 'Remember the number 7.' }] },
        { workflowId },
      );
      await idle(handle);
      // Both messages arrive while no worker polls, so that one workflow task takes them.
      await worker.stop();
      await handle.resetContext({ strategy: 'clear' });
      const sent = handle.sendMessage('What number?', { id: 'same-task' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await startWorker({ responder }, undefined, { taskQueue: worker.taskQueue });
      await sent;
      await handle.result();
      return handle;
    },
  },
  {
    name: 'budget-pause-and-raise',
    covers: 'a soft budget pauses the session in waiting_for_budget until raiseBudget, then the hard limit ends it (limit_reached)',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker } = await startWorker({
        validate: false,
        responder: () => ({ kind: 'message', content: [{ type: 'tool_use', name: 'bash', input: { command: 'true' } }], usage: { input_tokens: 600, output_tokens: 100 } }),
      });
      const handle = await worker.sessions.start(
        { profile: 'test', limits: { maxTokens: 2000, softLimitFraction: 0.5 }, messages: [{ role: 'user', content: 'Spend.' }] },
        { workflowId },
      );
      await waitForStatus(handle, 'waiting_for_budget', 'the soft limit to pause the session');
      await handle.raiseBudget({ maxTokens: 2500 });
      await handle.result();
      return handle;
    },
  },
  {
    name: 'continue-as-new',
    covers: 'a chat session that continues as new every two model calls, its state and transcript carried to the next run',
    ends: 'completed',
    continuesAsNew: true,
    async run({ startWorker }, workflowId) {
      const { worker } = await startWorker({ responder: (request) => text(`answer to message ${request.body.messages.length}`) }, {
        every2: { ...testProfiles.test, continueAsNewAfterTurns: 2 },
      });
      const handle = await worker.sessions.start({ profile: 'every2', mode: 'chat', messages: [{ role: 'user', content: 'one' }] }, { workflowId });
      await idle(handle);
      for (const message of ['two', 'three', 'four']) await handle.sendMessage(message, { id: message });
      await waitFor('a second run', async () => (await handle.workflow.describe()).runId !== (await handle.workflow.describe()).raw.workflowExecutionInfo?.firstRunId);
      await handle.cancel();
      await handle.result();
      return handle;
    },
  },
  {
    name: 'fork-granted',
    covers: 'a session started by keel fork: claimFork checks its grant and gives it read access to its source first',
    ends: 'completed',
    async run({ startWorker, grantKey }, workflowId) {
      const { worker, model } = await startWorker();
      const sourceId = `${workflowId}-source`;
      model.push(text('Hamlet avenges his father.'));
      await (await worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'Summarise Hamlet.' }] }, { workflowId: sourceId })).result();
      model.push(text('And everyone dies.'));
      const handle = await worker.sessions.start(
        { profile: 'test', fork: { from: sourceId, grant: forkGrant(grantKey, sourceId, workflowId) }, messages: [{ role: 'user', content: 'Summarise Hamlet.' }] },
        { workflowId },
      );
      await handle.result();
      return handle;
    },
  },
  {
    name: 'cancel-during-model-call',
    covers: 'cancellation while a model call is in flight, answering the waiting sendMessage',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const { worker, model } = await startWorker();
      model.push({ kind: 'hang' });
      const handle = await worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hello?' }] }, { workflowId });
      await waitFor('the model call to begin', () => model.requests.some((request) => request.reply === 'hang'));
      await handle.cancel();
      await handle.result();
      return handle;
    },
  },
  {
    name: 'sub-agents',
    covers: 'spawn_agent: two child sessions started together with shares of the budget, their budget leases and spend reports, their results as tool results',
    ends: 'completed',
    async run({ startWorker }, workflowId) {
      const task = 'Ask two sub-agents.';
      const { worker } = await startWorker({
        responder: responderByTask({
          [task]: (request) => (callsBefore(request) === 0 ? spawnReply(['First part.', 'Second part.']) : text(spawnResults(request).map((result) => result.content).join(' + '))),
          'First part.': () => text('one', { input_tokens: 30, output_tokens: 5 }),
          'Second part.': () => text('two', { input_tokens: 40, output_tokens: 6 }),
        }),
      });
      const handle = await worker.sessions.start({ profile: 'test', tools: ['spawn_agent'], limits: { maxTokens: 100_000 }, messages: [{ role: 'user', content: task }] }, { workflowId });
      await handle.result();
      return handle;
    },
  },
];

/** The fixture files a scenario records, without `.json`: one per run for a session that continues as new. */
export function fixtureNames(scenario: HistoryScenario, runs = 1): string[] {
  if (!scenario.continuesAsNew) return [scenario.name];
  return [...Array.from({ length: runs - 1 }, (_, index) => `${scenario.name}.run-${index + 1}`), scenario.name];
}
