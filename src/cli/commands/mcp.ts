/**
 * `keel mcp list`: the MCP servers a worker would load (from `KEEL_MCP_CONFIG`, or `--config`), each connected once
 * from here to show its health, and its tools under the names models call them by (with the server's own name
 * where they differ), whether a failed call is retried, and any tool left out because the Messages API would refuse
 * its schema. Run it where a worker runs: stdio servers start here as they would there, and secrets are read from
 * the same settings. Exits 1 when a server is down.
 */
import type { Command } from 'commander';
import type { McpServerConfig } from '../../mcp/mcp-config.js';
import { CliError, type CliContext } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';

/** One server in `keel mcp list --json`. */
export interface ListedMcpServer {
  server: string;
  /** What a session's `tools` names to enable all its tools. */
  selector: string;
  transport: 'stdio' | 'http';
  /** The command line, or the URL. */
  target: string;
  health: 'up' | 'down';
  error?: string;
  tools: Array<{ name: string; tool: string; mapped: boolean; safeToRetry?: boolean; refused?: string }>;
}

function targetOf(config: McpServerConfig): string {
  return config.type === 'http' ? config.url : [config.command, ...config.args].join(' ');
}

export function registerMcp(program: Command, io: ActionEnvironment): void {
  const mcp = program.command('mcp').description('MCP tool sources of the workers');
  mcp
    .command('list')
    .description('the MCP servers a worker would load, their health and their tools with the names models see')
    .option('--config <file>', 'MCP configuration file (default: KEEL_MCP_CONFIG)')
    .addHelpText('after', '\nConnects to each server (starting stdio servers here), as a worker would.\nExample:\n  KEEL_MCP_CONFIG=mcp.json keel mcp list')
    .action(
      defineAction<{ config?: string }>(io, async (context, _positionals, options) => {
        const file = options.config ?? io.environment.KEEL_MCP_CONFIG;
        if (!file) throw new CliError('no MCP configuration: set KEEL_MCP_CONFIG or pass --config <file>', 2);
        // Loaded here, not with the program: the MCP SDK would slow every other verb's start.
        const [{ loadMcpConfigFile }, { McpServers }, { MCP_TOOL_PREFIX, mcpServerSelector }, { secretsProvidersFromEnvironment }] = await Promise.all([
          import('../../mcp/mcp-config.js'),
          import('../../mcp/mcp-servers.js'),
          import('../../mcp/mcp-tool-names.js'),
          import('../../secrets/secrets-from-environment.js'),
        ]);
        const servers = new McpServers(loadMcpConfigFile(file), { secrets: secretsProvidersFromEnvironment(io.environment) });
        try {
          const listed = await Promise.all(
            servers.servers.map(async (connection): Promise<ListedMcpServer> => {
              const base = {
                server: connection.name,
                selector: mcpServerSelector(connection.name),
                transport: connection.config.type === 'http' ? ('http' as const) : ('stdio' as const),
                target: targetOf(connection.config),
              };
              try {
                const entries = await servers.entries(connection);
                return {
                  ...base,
                  health: 'up',
                  tools: entries.map((entry) => ({
                    name: entry.name,
                    tool: entry.tool,
                    mapped: entry.name !== `${MCP_TOOL_PREFIX}${connection.name}__${entry.tool}`,
                    ...(entry.resolved ? { safeToRetry: entry.resolved.safeToRetry } : {}),
                    ...(entry.refused ? { refused: entry.refused } : {}),
                  })),
                };
              } catch (error) {
                return { ...base, health: 'down', error: error instanceof Error ? error.message : String(error), tools: [] };
              }
            }),
          );
          if (context.options.json) context.printJson(listed);
          else printServers(context, listed);
          return listed.some((server) => server.health === 'down') ? 1 : 0;
        } finally {
          await servers.close();
        }
      }),
    );
}

function printServers(context: CliContext, listed: ListedMcpServer[]): void {
  const { style } = context;
  if (listed.length === 0) context.print('no MCP servers are configured');
  for (const server of listed) {
    const health = server.health === 'up' ? style.green(`up, ${server.tools.length} tools`) : style.red(`down: ${server.error}`);
    context.print(`${style.bold(server.server)} (${server.transport} ${server.target}): ${health}`);
    context.print(style.dim(`  enable all with "${server.selector}"`));
    for (const tool of server.tools) {
      const notes = [
        ...(tool.mapped ? [`the server's "${tool.tool}"`] : []),
        ...(tool.refused ? [style.red(`left out: ${tool.refused}`)] : [tool.safeToRetry ? 'retried' : 'run at most once']),
      ];
      context.print(`  ${tool.name}  ${style.dim(notes.join('; '))}`);
    }
  }
}
