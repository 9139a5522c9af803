import { Context } from '@temporalio/activity';
import { ToolError } from '../errors.js';
import { requireOwnSession } from '../sandboxes/sandbox-owner.js';
import type { SandboxRegistry } from '../sandboxes/sandbox-registry.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import type { RunToolRequest, ToolCallOutput } from '../shared/schemas/tools.js';
import type { ToolContext, ToolSandbox } from '../tools/define-tool.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { ContentStore } from '../stores/content-store.js';
import { McpServers } from '../mcp/mcp-servers.js';
import { activitySessionId } from './activity-session.js';
import { startHeartbeats } from './heartbeat-pacer.js';
import { toActivityFailure } from './activity-failure.js';
import { FailureTypes } from '../shared/failure-types.js';
import { runMcpTool } from './run-mcp-tool.js';
import { storedWhenLong } from './store-tool-output.js';

export { maxToolResultBytes } from './store-tool-output.js';

/**
 * `runTool`: one tool call. What the model did wrong (input that breaks the schema, a path outside the session,
 * a failing command) comes back as an `isError` output for the model; only failures of the machinery (sandbox
 * unavailable, handler crash) leave as `ApplicationFailure`s, for the tool's retry policy. Heartbeats on a timer
 * while the handler runs, so a lost worker is noticed within the tool's heartbeat timeout. A call to an MCP tool goes
 * to its server (see run-mcp-tool.ts).
 */
export function createRunTool(dependencies: { tools: ToolRegistry; sandboxes: SandboxRegistry; store: ContentStore; mcp?: McpServers | undefined }) {
  return async function runTool(request: RunToolRequest): Promise<ToolCallOutput> {
    const tool = dependencies.tools.get(request.tool);
    if (!tool && dependencies.mcp && McpServers.isMcpName(request.tool)) return runMcpTool({ mcp: dependencies.mcp, store: dependencies.store }, request);
    if (!tool) {
      return { content: `the tool "${request.tool}" is not registered on the worker that took this call`, isError: true };
    }
    const parsed = tool.inputSchema.safeParse(request.input);
    if (!parsed.success) {
      return {
        content: `invalid input for ${tool.name}: ${describeIssues(parsed.error)}. Expected input (JSON Schema): ${JSON.stringify(tool.jsonSchema)}`,
        isError: true,
      };
    }
    const context = Context.current();
    // The session is who Temporal says runs this activity: a request naming another session reaches nothing of it.
    const sessionId = activitySessionId(context);
    let sandbox: ToolSandbox | undefined;
    try {
      // The session's own secrets and sandbox only: the ids a request names must be the scheduling workflow's.
      requireOwnSession(request.sessionId, context.info.workflowExecution?.workflowId);
      if (request.sandbox) requireOwnSession(request.sandbox.sessionId, context.info.workflowExecution?.workflowId);
    } catch (error) {
      throw toActivityFailure(error, { type: FailureTypes.ToolFailed });
    }
    if (tool.usesSandbox) {
      if (!request.sandbox) return { content: `the ${tool.name} tool needs a sandbox and this session has none`, isError: true };
      // The local sandbox attaches only the directory of ref.sessionId, so this is the session's own.
      const ref = { ...request.sandbox, sessionId };
      let provider;
      try {
        provider = dependencies.sandboxes.get(ref.provider);
      } catch (error) {
        throw toActivityFailure(error, { type: FailureTypes.ToolFailed });
      }
      sandbox = {
        ref,
        runCommand: (command, options) => provider.runCommand(ref, command, options),
        readFile: (path) => provider.readFile(ref, path),
        writeFile: (path, data) => provider.writeFile(ref, path, data),
        listFiles: (path) => provider.listFiles(ref, path),
      };
    }
    const heartbeats = startHeartbeats(context, { tool: tool.name });
    const heartbeat = (details?: unknown): void => {
      if (details !== undefined) heartbeats.progress(details);
    };
    const toolContext: ToolContext = {
      sessionId,
      toolUseId: request.toolUseId,
      sandbox,
      signal: context.cancellationSignal,
      heartbeat,
    };
    try {
      const result = await tool.handler(parsed.data, toolContext);
      // A handler that stopped because the call was cancelled did not finish: report the cancellation.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      const output = typeof result === 'string' ? { content: result, isError: false } : { content: result.content, isError: result.isError ?? false };
      return await storedWhenLong(dependencies.store.forSession(sessionId), request.toolUseId, output);
    } catch (error) {
      // A cancelled call reports its cancellation, not whatever the abort did to the handler.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? error;
      if (ToolError.isInstance(error)) return await storedWhenLong(dependencies.store.forSession(sessionId), request.toolUseId, { content: error.content, isError: true });
      throw toActivityFailure(error, { type: FailureTypes.ToolFailed });
    } finally {
      heartbeats.stop();
    }
  };
}
