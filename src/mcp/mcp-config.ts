/**
 * The MCP servers a worker runs, as configured: `KEEL_MCP_CONFIG` (a JSON file) or `runWorker({ mcpServers })`, in
 * the format other MCP hosts use, `{"mcpServers": {"<server>": {...}}}`. A server is started over stdio
 * (`command`, `args`, `env`) or reached over streamable HTTP (`"type": "http"`, `url`, `headers`); an env or header
 * value may be `{"secret": "<name>"}`, resolved from the worker's secrets when the server is connected. Fields other
 * hosts use that Keel does not read (`autoApprove`, `alwaysAllow`, ...) are let through, so one file serves both.
 * Worker-side.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { secretReferenceSchema } from '../shared/schemas/secret-reference.js';

/** Longest a call to an MCP tool may take, seconds, when the server's entry does not say. */
export const DEFAULT_MCP_TIMEOUT_SECONDS = 60;

const valueSchema = z.union([z.string(), secretReferenceSchema], { error: 'expected a string or {"secret": "<name>"}' });

/** What both kinds of server may set besides how they are reached. */
const policyFields = {
  /** Longest one tool call may take, seconds. @default 60 */
  timeoutSeconds: z.number().positive().max(24 * 3600).optional(),
  /**
   * Which tools may be retried after a failure of the server (a lost connection, a timeout): `true` every tool,
   * `false` none, a list those tools (by the server's own names) besides the ones the server marks idempotent or
   * read-only. @default the server's annotations (`idempotentHint`, `readOnlyHint`)
   */
  safeToRetry: z.union([z.boolean(), z.array(z.string().min(1))]).optional(),
  /** Leaves the server out without removing its entry (as other hosts read it). @default false */
  disabled: z.boolean().optional(),
};

export const mcpStdioServerSchema = z.looseObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), valueSchema).default({}),
  cwd: z.string().min(1).optional(),
  ...policyFields,
});

export const mcpHttpServerSchema = z.looseObject({
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http or https URL' }),
  headers: z.record(z.string(), valueSchema).default({}),
  ...policyFields,
});

export type McpStdioServerConfig = z.infer<typeof mcpStdioServerSchema> & { name: string };
export type McpHttpServerConfig = z.infer<typeof mcpHttpServerSchema> & { name: string };
export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;

/** Where a configuration came from, for messages: a file path or `runWorker({ mcpServers })`. */
type Origin = string;

function parseServer(name: string, entry: unknown, origin: Origin): McpServerConfig {
  const where = `${origin}: mcpServers.${name}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(`${where}: expected an object`);
  const fields = entry as Record<string, unknown>;
  if (fields.type === 'sse') throw new ConfigError(`${where}.type: the SSE transport is not supported; use streamable HTTP ("type": "http")`);
  if (fields.type === 'streamable-http' || fields.type === 'streamableHttp') fields.type = 'http';
  const isHttp = fields.type === 'http' || (fields.type === undefined && 'url' in fields && !('command' in fields));
  const schema = isHttp ? mcpHttpServerSchema : mcpStdioServerSchema;
  const parsed = schema.safeParse(isHttp ? { ...fields, type: 'http' } : fields);
  if (!parsed.success) throw new ConfigError(`${where}: ${describeIssues(parsed.error)}`);
  return { ...parsed.data, name } as McpServerConfig;
}

/**
 * The servers of a configuration: `{"mcpServers": {...}}` or the `mcpServers` object itself. Disabled servers are
 * left out. @throws ConfigError naming the server and the field.
 */
export function parseMcpConfig(config: unknown, origin: Origin = 'MCP configuration'): McpServerConfig[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ConfigError(`${origin}: expected a JSON object with "mcpServers"`);
  const record = config as Record<string, unknown>;
  const servers = 'mcpServers' in record ? record.mcpServers : record;
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) {
    throw new ConfigError(`${origin}: mcpServers: expected an object of servers by name`);
  }
  return Object.entries(servers)
    .map(([name, entry]) => {
      if (name.length === 0) throw new ConfigError(`${origin}: mcpServers: a server name may not be empty`);
      return parseServer(name, entry, origin);
    })
    .filter((server) => server.disabled !== true);
}

/** Reads and parses a configuration file. @throws ConfigError when it cannot be read, is not JSON or is invalid. */
export function loadMcpConfigFile(path: string): McpServerConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`MCP configuration ${path}: cannot read it: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`MCP configuration ${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseMcpConfig(json, `MCP configuration ${path}`);
}

/** The servers of `runWorker`'s `mcpServers` option: a file path, or the configuration as an object. */
export function loadMcpConfig(source: string | Record<string, unknown>): McpServerConfig[] {
  return typeof source === 'string' ? loadMcpConfigFile(source) : parseMcpConfig(source, 'runWorker({ mcpServers })');
}
