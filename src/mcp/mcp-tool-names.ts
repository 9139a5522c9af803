/**
 * The names a model calls MCP tools by: `mcp__<server>__<tool>`. The Messages API takes tool names of 1 to 64
 * letters, digits, `_` and `-`; a name that breaks that rule has every other character replaced by `_` and, when
 * still too long, is cut, and then ends in `_` and 8 hex digits of the original name's sha256, so two tools whose
 * names map alike stay apart and a mapped name never changes between workers. Worker-side.
 */
import { createHash } from 'node:crypto';

/** The start of every MCP tool name, and of a whole server's name in a session's `tools`. */
export const MCP_TOOL_PREFIX = 'mcp__';

const allowedName = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_TOOL_NAME_LENGTH = 64;
const HASH_LENGTH = 8;

function sanitized(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/**
 * The server's part of its tools' names: its configured name with characters the API refuses replaced by `_`.
 * Two servers whose keys are equal are refused when the worker loads them (see McpServers).
 */
export function mcpServerKey(server: string): string {
  return sanitized(server);
}

/** `mcp__<server key>`: the name that enables every tool of a server in a session's `tools`. */
export function mcpServerSelector(server: string): string {
  return `${MCP_TOOL_PREFIX}${mcpServerKey(server)}`;
}

/** The name the model calls a server's tool by (see the file's header for the mapping). */
export function mcpToolName(server: string, tool: string): string {
  const plain = `${MCP_TOOL_PREFIX}${server}__${tool}`;
  if (allowedName.test(plain)) return plain;
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, HASH_LENGTH);
  const body = sanitized(`${MCP_TOOL_PREFIX}${mcpServerKey(server)}__${tool}`).slice(0, MAX_TOOL_NAME_LENGTH - HASH_LENGTH - 1);
  return `${body}_${hash}`;
}
