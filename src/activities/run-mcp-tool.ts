/**
 * `runTool` for a tool of an MCP server: the call goes to the worker's connection to that server, within the
 * activity's own timeout (a second less, so the server's silence is named as such). What the server answers,
 * including a result it marks as an error or a refusal of the call, goes back to the model; a server that is down,
 * stops mid-call or does not answer leaves as a retryable `Tool.Failed`, which the tool's retry policy tries again
 * only when the tool is safe to retry, and which otherwise becomes a tool error for the model. Worker-side.
 */
import { Context } from '@temporalio/activity';
import { ToolError } from '../errors.js';
import { convertMcpResult } from '../mcp/convert-mcp-result.js';
import type { McpServers } from '../mcp/mcp-servers.js';
import { requireOwnSession } from '../sandboxes/sandbox-owner.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { RunToolRequest, ToolCallOutput } from '../shared/schemas/tools.js';
import type { ContentStore } from '../stores/content-store.js';
import { toActivityFailure } from './activity-failure.js';
import { activitySessionId } from './activity-session.js';
import { startHeartbeats } from './heartbeat-pacer.js';
import { storedBlocks, storedWhenLong } from './store-tool-output.js';

/** Time left to the activity after the server's own timeout, to report it, ms. */
const REPORT_MARGIN_MS = 1000;

export async function runMcpTool(dependencies: { mcp: McpServers; store: ContentStore }, request: RunToolRequest): Promise<ToolCallOutput> {
  const context = Context.current();
  const sessionId = activitySessionId(context);
  try {
    requireOwnSession(request.sessionId, context.info.workflowExecution?.workflowId);
  } catch (error) {
    throw toActivityFailure(error, { type: FailureTypes.ToolFailed });
  }
  const store = dependencies.store.forSession(sessionId);
  if (typeof request.input !== 'object' || request.input === null || Array.isArray(request.input)) {
    return { content: `invalid input for ${request.tool}: expected a JSON object`, isError: true };
  }
  const heartbeats = startHeartbeats(context, { tool: request.tool });
  try {
    const timeoutMs = Math.max(REPORT_MARGIN_MS, context.info.startToCloseTimeoutMs - REPORT_MARGIN_MS);
    const result = await dependencies.mcp.call(request.tool, request.input as Record<string, unknown>, { timeoutMs, signal: context.cancellationSignal });
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
    return await storedBlocks(store, request.toolUseId, convertMcpResult(result), result.isError === true);
  } catch (error) {
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? error;
    if (ToolError.isInstance(error)) return storedWhenLong(store, request.toolUseId, { content: error.content, isError: true });
    throw toActivityFailure(error, { type: FailureTypes.ToolFailed });
  } finally {
    heartbeats.stop();
  }
}
