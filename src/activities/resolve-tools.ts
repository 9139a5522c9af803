import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError } from '../errors.js';
import { McpServers } from '../mcp/mcp-servers.js';
import type { SandboxRegistry } from '../sandboxes/sandbox-registry.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { SandboxOptions } from '../shared/schemas/session-input.js';
import type { ResolvedTools, ResolveToolsRequest } from '../shared/schemas/tools.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { READ_OUTPUT_TOOL } from '../stores/restore-content.js';

/**
 * `resolveTools`: the session's tools as this worker defines them (specs for the model, timeouts and retry
 * policy for their activities) and its sandbox with the default applied. Called once at session start, so the
 * definitions are in history and replay the same. Refuses, not retryably, an unknown tool, a sandbox tool in a
 * session without a sandbox, and a sandbox this worker cannot offer. MCP names (`mcp__<server>` or
 * `mcp__<server>__<tool>`) are listed from their servers here; a server that cannot be reached is left out, with a
 * warning, and the session goes on without its tools.
 */
export function createResolveTools(dependencies: { tools: ToolRegistry; sandboxes: SandboxRegistry; mcp?: McpServers | undefined }) {
  return async function resolveTools(request: ResolveToolsRequest): Promise<ResolvedTools> {
    const names = [...new Set(request.tools)];
    // A session with tools can page through their long outputs, which reach the model cut (see restore-content.ts).
    if (names.length > 0 && !names.includes(READ_OUTPUT_TOOL) && dependencies.tools.get(READ_OUTPUT_TOOL)) names.push(READ_OUTPUT_TOOL);
    const mcpNames = names.filter((name) => !dependencies.tools.get(name) && McpServers.isMcpName(name) && dependencies.mcp);
    const unknown = names.filter((name) => !dependencies.tools.get(name) && !mcpNames.includes(name));
    if (unknown.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `unknown tool${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}; this worker has: ${dependencies.tools.names().join(', ')}`,
        FailureTypes.ConfigUnknownTool,
      );
    }
    const tools = names.filter((name) => !mcpNames.includes(name)).map((name) => dependencies.tools.resolve(dependencies.tools.get(name)!));
    let unavailable: string[] = [];
    if (mcpNames.length > 0) {
      try {
        const resolved = await dependencies.mcp!.resolve(mcpNames);
        tools.push(...resolved.tools.filter((tool) => !tools.some((other) => other.name === tool.name)));
        unavailable = resolved.unavailable;
      } catch (error) {
        if (ConfigError.isInstance(error)) throw ApplicationFailure.nonRetryable(error.message, FailureTypes.ConfigUnknownTool);
        throw error;
      }
      for (const reason of unavailable) Context.current().log.warn(`the session goes on without this MCP server's tools: ${reason}`);
      // read_output, added for the session above, stays last.
      const readOutput = tools.findIndex((tool) => tool.name === READ_OUTPUT_TOOL);
      if (readOutput >= 0) tools.push(...tools.splice(readOutput, 1));
    }
    const sandboxTools = tools.filter((tool) => tool.usesSandbox).map((tool) => tool.name);
    const sandbox: SandboxOptions = request.sandbox ?? { provider: sandboxTools.length > 0 ? 'local' : 'none' };
    if (sandbox.provider === 'none' && sandboxTools.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `sandbox: provider is "none" but ${sandboxTools.join(', ')} run${sandboxTools.length === 1 ? 's' : ''} in a sandbox; choose "local" or "e2b", or leave sandbox out`,
        FailureTypes.InvalidSessionInput,
      );
    }
    if (sandbox.provider !== 'none') {
      const reason = dependencies.sandboxes.unavailableReason(sandbox.provider);
      if (reason) throw ApplicationFailure.nonRetryable(`the ${sandbox.provider} sandbox is unavailable on this worker: ${reason}`, FailureTypes.SandboxUnavailable);
    }
    return { tools, sandbox, ...(unavailable.length > 0 ? { unavailable } : {}) };
  };
}
