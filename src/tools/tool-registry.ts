/**
 * The worker's tools by name: the built-ins and the custom tools it was given. Resolves a session's `tools` input
 * to what the workflow keeps (specs for the model, activity policy). Worker-side.
 */
import { ConfigError } from '../errors.js';
import type { ResolvedTool } from '../shared/schemas/tools.js';
import type { ToolDefinition } from './define-tool.js';

export class ToolRegistry {
  readonly #tools = new Map<string, ToolDefinition>();

  /**
   * @param defaultHeartbeatTimeoutMs for tools that do not set their own.
   * @throws ConfigError when two tools share a name.
   */
  constructor(
    tools: ToolDefinition[],
    readonly defaultHeartbeatTimeoutMs: number,
  ) {
    for (const tool of tools) {
      if (this.#tools.has(tool.name)) throw new ConfigError(`two tools are named "${tool.name}"; tool names must be unique`);
      this.#tools.set(tool.name, tool);
    }
  }

  names(): string[] {
    return [...this.#tools.keys()];
  }

  get(name: string): ToolDefinition | undefined {
    return this.#tools.get(name);
  }

  /** The workflow's view of a tool. */
  resolve(tool: ToolDefinition): ResolvedTool {
    const heartbeatTimeoutMs = tool.heartbeatTimeoutMs ?? this.defaultHeartbeatTimeoutMs;
    return {
      name: tool.name,
      description: tool.description,
      inputSchema: tool.jsonSchema,
      usesSandbox: tool.usesSandbox,
      timeoutMs: tool.timeoutMs,
      // A heartbeat timeout no shorter than the attempt itself adds nothing to it.
      ...(heartbeatTimeoutMs < tool.timeoutMs ? { heartbeatTimeoutMs } : {}),
      retry: tool.retry,
      safeToRetry: tool.safeToRetry,
    };
  }
}
