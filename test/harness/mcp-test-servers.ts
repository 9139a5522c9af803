/**
 * MCP servers for the tests: the reference "everything" and filesystem servers from npm, nobody's here (stdio
 * commands for an MCP configuration, and the everything server's streamable HTTP server as a child process on a free
 * port), and the odd-tools server of test/fixtures/mcp/ for what the reference servers do not exercise.
 */
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const require = createRequire(import.meta.url);

/** The server's entry script. */
export const everythingServerScript = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');

/** A stdio server entry of an MCP configuration that runs it. */
export const everythingStdioServer = { command: process.execPath, args: [everythingServerScript] };

export interface EverythingHttpServer {
  /** Its MCP endpoint. */
  url: string;
  close(): Promise<void>;
}

/** Starts the streamable HTTP server and waits until it listens. @param port @default a free one */
export async function startEverythingHttpServer(port?: number): Promise<EverythingHttpServer> {
  port ??= await freePort();
  const child = spawn(process.execPath, [everythingServerScript, 'streamableHttp'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the everything HTTP server did not listen within 20 s: ${output}`)), 20_000);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`listening on port ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the everything HTTP server exited with ${code}: ${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A stdio server entry that runs the reference filesystem server (`@modelcontextprotocol/server-filesystem`) on `directory`. */
export function filesystemStdioServer(directory: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js'), directory] };
}

/** A stdio server entry that runs test/fixtures/mcp/odd-tools-server.ts (schemas and names the API refuses, errors, a slow tool). */
export const oddToolsStdioServer = {
  command: process.execPath,
  args: ['--import', 'tsx', fileURLToPath(new URL('../fixtures/mcp/odd-tools-server.ts', import.meta.url))],
};

export interface HeaderGate {
  /** The gate's MCP endpoint (same path as the target's). */
  url: string;
  /** Requests refused for a missing or wrong header. */
  refused: number;
  /** Requests let through. */
  passed: number;
  close(): Promise<void>;
}

/**
 * An HTTP gate in front of an MCP endpoint that lets through only requests carrying `header: value` (as a server
 * that wants a token does), answering 401 to any other, and counts both.
 */
export async function startHeaderGate(target: string, header: string, value: string): Promise<HeaderGate> {
  const targetUrl = new URL(target);
  const gate: HeaderGate = { url: '', refused: 0, passed: 0, close: async () => undefined };
  const server = createServer((request, response) => {
    if (request.headers[header.toLowerCase()] !== value) {
      gate.refused += 1;
      response.writeHead(401).end('unauthorized');
      return;
    }
    gate.passed += 1;
    const forwarded = httpRequest(
      { host: targetUrl.hostname, port: targetUrl.port, path: request.url, method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  gate.url = `http://127.0.0.1:${port}${targetUrl.pathname}`;
  gate.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return gate;
}
