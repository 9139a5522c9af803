/**
 * One MCP server as the worker keeps it, through the official SDK client: a stdio server is started by the worker
 * and shared by all its sessions; when it dies, it is started again (after a delay that grows while it keeps
 * failing, reset by a good start), and a call made meanwhile connects at once. A streamable HTTP server is connected
 * on first use and again after a lost connection. Secret env and header values are resolved at each connect, so a
 * rotated secret is used by the next connection. Worker-side.
 */
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { McpServerError, ToolError } from '../errors.js';
import { resolveSecretEnvironment } from '../secrets/resolve-secret-environment.js';
import type { SecretsProvider } from '../secrets/secrets-provider.js';
import type { SecretReference } from '../shared/schemas/secret-reference.js';
import type { McpServerConfig } from './mcp-config.js';
import type { McpToolResult } from './convert-mcp-result.js';

export interface McpLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface McpServerConnectionOptions {
  /** Where `{"secret": ...}` values are looked up, in order. */
  secrets: SecretsProvider[];
  logger?: McpLogger;
  /** Longest a connect (start and handshake) or a tool listing may take, ms. A cold start of a server through npx or
   * uvx on a busy machine takes well over 10 s, and a session that starts meanwhile goes on without its tools. @default 30000 */
  connectTimeoutMs?: number;
  /** First delay before a dead stdio server is started again, ms; it doubles while starts fail. @default 500 */
  restartDelayMs?: number;
  /** Longest delay between starts of a failing stdio server, ms. @default 30000 */
  maxRestartDelayMs?: number;
}

const clientInfo = { name: 'keel', version: '0.1.0' };

/**
 * A tool as a server lists it, read leniently: the SDK's own `listTools` refuses the whole list when one tool's
 * input schema is not an object schema, where Keel leaves out that tool alone and says why (mcp-input-schema.ts).
 */
const listedToolSchema = z.looseObject({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.unknown(),
  annotations: z.looseObject({ idempotentHint: z.boolean().optional(), readOnlyHint: z.boolean().optional() }).optional(),
});
const toolListSchema = z.looseObject({ tools: z.array(listedToolSchema), nextCursor: z.string().optional() });

export type McpListedTool = z.infer<typeof listedToolSchema>;

/** Splits env or header values into plain ones and secret references, resolving the references. */
async function resolvedValues(values: Record<string, string | SecretReference>, secrets: SecretsProvider[]): Promise<Record<string, string>> {
  const plain: Record<string, string> = {};
  const references: Record<string, SecretReference> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string') plain[key] = value;
    else references[key] = value;
  }
  return { ...plain, ...(await resolveSecretEnvironment(references, secrets)) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class McpServerConnection {
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #tools: { client: Client; tools: McpListedTool[] } | undefined;
  #transport: Transport | undefined;
  #closed = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartDelayMs: number;
  #lastError: string | undefined;
  readonly #options: Required<Omit<McpServerConnectionOptions, 'logger'>> & { logger: McpLogger | undefined };

  constructor(
    readonly config: McpServerConfig,
    options: McpServerConnectionOptions,
  ) {
    this.#options = {
      secrets: options.secrets,
      logger: options.logger,
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      restartDelayMs: options.restartDelayMs ?? 500,
      maxRestartDelayMs: options.maxRestartDelayMs ?? 30_000,
    };
    this.#restartDelayMs = this.#options.restartDelayMs;
  }

  get name(): string {
    return this.config.name;
  }

  /** The stdio server's process id while it runs. */
  get pid(): number | undefined {
    return this.#client && this.#transport instanceof StdioClientTransport ? (this.#transport.pid ?? undefined) : undefined;
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** Why the last connect or call failed, if the server is not connected. */
  get lastError(): string | undefined {
    return this.#client ? undefined : this.#lastError;
  }

  /** The connected client, connecting first when needed. @throws McpServerError when it cannot connect. */
  connect(): Promise<Client> {
    if (this.#closed) return Promise.reject(new McpServerError(`the MCP server "${this.name}" is stopped: the worker is shutting down`));
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** The server's tools, listed once per connection (again after it says its list changed). @throws McpServerError */
  async tools(): Promise<McpListedTool[]> {
    const client = await this.connect();
    if (this.#tools?.client === client) return this.#tools.tools;
    const tools: McpListedTool[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, toolListSchema, { timeout: this.#options.connectTimeoutMs });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
    } catch (error) {
      this.#dropHttp(client, error);
      throw this.#failure('could not list its tools', error);
    }
    if (this.#client === client) this.#tools = { client, tools };
    return tools;
  }

  /**
   * Calls a tool by the server's own name. @throws McpServerError when the server is down, stops mid-call or does not
   * answer within `timeoutMs`; ToolError when it answers the call with a protocol error (the model can act on it).
   */
  async callTool(tool: string, input: Record<string, unknown>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<McpToolResult> {
    const client = await this.connect();
    try {
      return (await client.callTool({ name: tool, arguments: input }, undefined, {
        timeout: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      })) as McpToolResult;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed && error.code !== ErrorCode.RequestTimeout) {
        throw new ToolError(`the MCP server "${this.name}" refused the call: ${error.message}`, { cause: error });
      }
      const timedOut = error instanceof McpError && error.code === ErrorCode.RequestTimeout;
      if (!timedOut) this.#dropHttp(client, error);
      throw this.#failure(timedOut ? `did not answer within ${options.timeoutMs / 1000} s` : 'failed during the call', error);
    }
  }

  /**
   * Forgets an HTTP connection that failed other than by a timeout (the server restarted and lost the session, a
   * proxy dropped it), so the next use connects afresh. A stdio server is kept: closing it would stop the process
   * its other calls run on; its death is noticed by the transport.
   */
  #dropHttp(client: Client, error: unknown): void {
    if (this.config.type !== 'http' || this.#client !== client) return;
    this.#client = undefined;
    this.#tools = undefined;
    this.#options.logger?.warn(`MCP server "${this.name}" failed (${messageOf(error)}); the next call reconnects`);
    client.close().catch(() => undefined);
  }

  /** Starts a stdio server now (the worker's start), so the first session does not wait for it. Never throws. */
  start(): void {
    if (this.config.type === 'http') return;
    this.connect().catch((error: unknown) => {
      this.#options.logger?.warn(`MCP server "${this.name}" did not start: ${messageOf(error)}`);
      this.#scheduleRestart();
    });
  }

  /** Stops the server (the worker's shutdown); nothing restarts it. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    const connecting = this.#connecting;
    if (connecting) await connecting.catch(() => undefined);
    const client = this.#client;
    this.#client = undefined;
    this.#tools = undefined;
    await client?.close().catch(() => undefined);
  }

  #failure(what: string, error: unknown): McpServerError {
    const message = `the MCP server "${this.name}" ${what}: ${messageOf(error)}`;
    this.#lastError = message;
    return new McpServerError(message, { cause: error });
  }

  async #open(): Promise<Client> {
    let transport: Transport;
    try {
      transport = await this.#createTransport();
    } catch (error) {
      throw this.#failure('could not be set up', ToolError.isInstance(error) ? error.content : error);
    }
    const client = new Client(clientInfo, { capabilities: {} });
    client.onclose = () => this.#lost(client);
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.#tools?.client === client) this.#tools = undefined;
    });
    try {
      await client.connect(transport, { timeout: this.#options.connectTimeoutMs });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw this.#failure(this.config.type === 'http' ? `at ${this.config.url} could not be reached` : 'could not be started', error);
    }
    if (this.#closed) {
      await client.close().catch(() => undefined);
      throw new McpServerError(`the MCP server "${this.name}" is stopped: the worker is shutting down`);
    }
    this.#client = client;
    this.#transport = transport;
    this.#lastError = undefined;
    this.#restartDelayMs = this.#options.restartDelayMs;
    return client;
  }

  async #createTransport(): Promise<Transport> {
    const { config } = this;
    if (config.type === 'http') {
      const headers = await resolvedValues(config.headers, this.#options.secrets);
      return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers } });
    }
    const env = await resolvedValues(config.env, this.#options.secrets);
    // The SDK adds a safe default environment (PATH, HOME, ...) to `env`: the worker's own secrets never pass.
    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args,
      env,
      ...(config.cwd ? { cwd: config.cwd } : {}),
      stderr: 'pipe',
    });
    // Read the server's stderr (an unread pipe would fill and stall it) into the worker's log.
    const stderr = transport.stderr;
    if (stderr) {
      createInterface({ input: stderr as unknown as NodeJS.ReadableStream }).on('line', (line) => this.#options.logger?.info(`MCP server "${this.name}": ${line}`));
    }
    return transport;
  }

  #lost(client: Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#tools = undefined;
    this.#lastError = `the MCP server "${this.name}" closed its connection`;
    if (this.#closed) return;
    this.#options.logger?.warn(`${this.#lastError}${this.config.type === 'http' ? '; the next call reconnects' : '; starting it again'}`);
    if (this.config.type !== 'http') this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    if (this.#closed || this.#restartTimer) return;
    const delayMs = this.#restartDelayMs;
    this.#restartDelayMs = Math.min(delayMs * 2, this.#options.maxRestartDelayMs);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#closed || this.#client) return;
      this.connect().catch((error: unknown) => {
        this.#options.logger?.warn(`MCP server "${this.name}" did not start again: ${messageOf(error)}`);
        this.#scheduleRestart();
      });
    }, delayMs);
    // A pending restart never keeps the worker process alive.
    this.#restartTimer.unref();
  }
}
