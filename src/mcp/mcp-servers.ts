/**
 * The worker's MCP servers: their tools under the names models call them by, resolved for a session's `tools` input
 * (one tool by name, a whole server by `mcp__<server>`), and calls routed to the server that owns the tool.
 * Created by the worker, shared by its sessions, closed when it stops. Worker-side.
 */
import { ConfigError, McpServerError, ToolError } from '../errors.js';
import type { SecretsProvider } from '../secrets/secrets-provider.js';
import type { ResolvedTool } from '../shared/schemas/tools.js';
import { defaultToolRetry } from '../tools/define-tool.js';
import { DEFAULT_MCP_TIMEOUT_SECONDS, type McpServerConfig } from './mcp-config.js';
import { checkMcpInputSchema } from './mcp-input-schema.js';
import { McpServerConnection, type McpListedTool, type McpLogger } from './mcp-server-connection.js';
import { MCP_TOOL_PREFIX, mcpServerKey, mcpServerSelector, mcpToolName } from './mcp-tool-names.js';
import type { McpToolResult } from './convert-mcp-result.js';

/** One tool of a server as Keel offers it, or the reason it cannot be offered. */
export interface McpToolEntry {
  server: string;
  /** The server's own name for the tool. */
  tool: string;
  /** The name the model calls it by. */
  name: string;
  /** The workflow's view of the tool; absent when `refused`. */
  resolved?: ResolvedTool;
  /** Why the tool is left out (an input schema the Messages API would refuse). */
  refused?: string;
}

/** What a session's MCP names resolved to. */
export interface McpResolution {
  tools: ResolvedTool[];
  /** Servers that could not be reached, with the reason: their tools are left out of the session. */
  unavailable: string[];
}

export interface McpServersOptions {
  secrets: SecretsProvider[];
  logger?: McpLogger;
  /** Heartbeat timeout of MCP tool calls, ms (the worker's default for tools). @default 20000 */
  heartbeatTimeoutMs?: number;
  /** Longest a connect or a listing may take, ms. @default 10000 */
  connectTimeoutMs?: number;
}

export class McpServers {
  readonly #connections: McpServerConnection[];
  readonly #heartbeatTimeoutMs: number;

  /** @throws ConfigError when two servers' names map to the same `mcp__<server>`. */
  constructor(configs: McpServerConfig[], options: McpServersOptions) {
    const keys = new Map<string, string>();
    for (const config of configs) {
      const key = mcpServerKey(config.name);
      const other = keys.get(key);
      if (other !== undefined) throw new ConfigError(`MCP servers "${other}" and "${config.name}" would both be named ${mcpServerSelector(config.name)}; rename one`);
      keys.set(key, config.name);
    }
    this.#heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 20_000;
    this.#connections = configs.map(
      (config) =>
        new McpServerConnection(config, {
          secrets: options.secrets,
          ...(options.logger ? { logger: options.logger } : {}),
          ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
        }),
    );
  }

  /** The servers, in configuration order. */
  get servers(): readonly McpServerConnection[] {
    return this.#connections;
  }

  /** Whether a name in a session's `tools` is an MCP name (`mcp__...`). */
  static isMcpName(name: string): boolean {
    return name.startsWith(MCP_TOOL_PREFIX);
  }

  /** Starts the stdio servers in the background. */
  start(): void {
    for (const connection of this.#connections) connection.start();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#connections.map((connection) => connection.close()));
  }

  /** A server's tools as Keel offers them. @throws McpServerError when the server cannot be reached. */
  async entries(connection: McpServerConnection): Promise<McpToolEntry[]> {
    const tools = await connection.tools();
    return tools.map((tool) => this.#entry(connection.config, tool));
  }

  #entry(config: McpServerConfig, tool: McpListedTool): McpToolEntry {
    const name = mcpToolName(config.name, tool.name);
    const base = { server: config.name, tool: tool.name, name };
    const schema = checkMcpInputSchema(tool.inputSchema);
    if (!schema.ok) return { ...base, refused: schema.reason };
    const timeoutMs = (config.timeoutSeconds ?? DEFAULT_MCP_TIMEOUT_SECONDS) * 1000;
    const annotations = tool.annotations ?? {};
    const safeToRetry =
      typeof config.safeToRetry === 'boolean'
        ? config.safeToRetry
        : (config.safeToRetry?.includes(tool.name) ?? false) || annotations.idempotentHint === true || annotations.readOnlyHint === true;
    return {
      ...base,
      resolved: {
        name,
        description: tool.description ?? tool.title ?? `The ${tool.name} tool of the ${config.name} MCP server.`,
        inputSchema: schema.schema,
        usesSandbox: false,
        timeoutMs,
        // A heartbeat timeout no shorter than the attempt itself adds nothing to it.
        ...(this.#heartbeatTimeoutMs < timeoutMs ? { heartbeatTimeoutMs: this.#heartbeatTimeoutMs } : {}),
        retry: defaultToolRetry,
        safeToRetry,
      },
    };
  }

  /** The server a name belongs to by its prefix (`mcp__<server key>` or `mcp__<server key>__...`). */
  #serverOf(name: string): McpServerConnection | undefined {
    return this.#connections.find((connection) => {
      const selector = mcpServerSelector(connection.name);
      return name === selector || name.startsWith(`${selector}__`);
    });
  }

  /**
   * The tools for a session's MCP names, in their order. A server that cannot be reached is left out and named in
   * `unavailable`: the session goes on without its tools.
   * @throws ConfigError naming an unknown server or tool, or a tool whose input schema the Messages API would refuse.
   */
  async resolve(names: string[]): Promise<McpResolution> {
    const owners = await Promise.all(names.map(async (name) => ({ name, connection: this.#serverOf(name) ?? (await this.#serverListing(name)) })));
    const unknown = owners.find((owner) => !owner.connection);
    if (unknown) {
      const configured = this.#connections.map((server) => mcpServerSelector(server.name));
      throw new ConfigError(
        `unknown MCP server in "${unknown.name}"; ${configured.length > 0 ? `this worker has: ${configured.join(', ')}` : 'this worker has no MCP servers (KEEL_MCP_CONFIG)'}`,
      );
    }
    // Every server at once: a session's start waits for the slowest, not for their sum.
    const needed = [...new Set(owners.map((owner) => owner.connection!))];
    const listings = new Map(
      await Promise.all(needed.map(async (connection) => [connection, await this.entries(connection).catch((error: unknown) => error)] as const)),
    );
    const tools: ResolvedTool[] = [];
    const unavailable = new Set<string>();
    for (const { name, connection } of owners as Array<{ name: string; connection: McpServerConnection }>) {
      const listing = listings.get(connection);
      if (!Array.isArray(listing)) {
        if (!McpServerError.isInstance(listing)) throw listing;
        unavailable.add(listing.message);
        continue;
      }
      const entries = listing as McpToolEntry[];
      if (name === mcpServerSelector(connection.name)) {
        tools.push(...entries.flatMap((entry) => (entry.resolved ? [entry.resolved] : [])));
        continue;
      }
      const entry = entries.find((candidate) => candidate.name === name || `${MCP_TOOL_PREFIX}${connection.name}__${candidate.tool}` === name);
      if (!entry) {
        throw new ConfigError(`unknown tool "${name}": the MCP server "${connection.name}" has ${entries.map((candidate) => candidate.name).join(', ') || 'no tools'}`);
      }
      if (!entry.resolved) throw new ConfigError(`the tool "${name}" cannot be offered to the model: ${entry.refused}`);
      tools.push(entry.resolved);
    }
    const unique = new Map(tools.map((tool) => [tool.name, tool]));
    return { tools: [...unique.values()], unavailable: [...unavailable] };
  }

  /** For a name cut so short that its server's prefix is gone: the server that lists it. */
  async #serverListing(name: string): Promise<McpServerConnection | undefined> {
    for (const connection of this.#connections) {
      const entries = await this.entries(connection).catch(() => []);
      if (entries.some((entry) => entry.name === name)) return connection;
    }
    return undefined;
  }

  /**
   * Runs a tool by the name the model called it. @throws McpServerError when its server is down, stops mid-call or
   * times out (retried when the tool is safe to retry); ToolError when the tool is unknown now or the server refuses
   * the call.
   */
  async call(name: string, input: Record<string, unknown>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<McpToolResult> {
    const connection = this.#serverOf(name) ?? (await this.#serverListing(name));
    if (!connection) throw new ToolError(`the tool "${name}" belongs to no MCP server of the worker that took this call`);
    const entry = (await this.entries(connection)).find((candidate) => candidate.name === name);
    if (!entry) throw new ToolError(`the MCP server "${connection.name}" no longer has the tool "${name}"`);
    return connection.callTool(entry.tool, input, options);
  }
}
