/**
 * Over 300 lines on purpose: one request handler of a dev stand-in, each RPC a short case of the same router.
 *
 * The stand-in's envd: the daemon inside an E2B sandbox that the `e2b` SDK reaches for commands and files, served
 * on `node:http` for every stand-in sandbox at once. As behind E2B's proxy, a request names its sandbox in the
 * `E2b-Sandbox-Id` header and carries the sandbox's `X-Access-Token`; a sandbox that is not running answers 502,
 * a wrong token 401.
 *
 * - Connect-RPC (served by `@connectrpc/connect-node`, JSON codec): `process.Process/Start` (server streaming:
 *   start, data and end events), `List`, `SendSignal`; `filesystem.Filesystem/Stat`, `MakeDir`, `Move`, `ListDir`,
 *   `Remove`. Other RPCs answer `unimplemented`.
 * - Plain HTTP: `GET /files` (download), `POST /files` (multipart or octet-stream upload), `GET /health`.
 *
 * Commands really run, with `node:child_process`, in the sandbox's directory on this machine, each in its own
 * process group. As in envd, a command outlives a client that goes away, and is killed when the request's
 * `Connect-Timeout-Ms` passes. Dev/test code only.
 */
import { ConnectError, Code, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { spawn } from 'node:child_process';
import { EventEmitter, on } from 'node:events';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, posix } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  type EntryInfoInit,
  envdFileType,
  envdMethods,
  type ListDirRequestShape,
  type MoveRequestShape,
  type PathRequestShape,
  type ProcessEventInit,
  type SendSignalRequestShape,
  type StartRequestShape,
} from './envd-schema.js';
import type { StandInJournal } from './stand-in-journal.js';
import {
  hostPath,
  killProcessGroup,
  sandboxAbsolutePath,
  standInHomeDirectory,
  type StandInSandbox,
  type StandInSandboxes,
} from './stand-in-sandboxes.js';

export interface EnvdServerOptions {
  sandboxes: StandInSandboxes;
  journal: StandInJournal;
}

/** The `node:http` request handler of the stand-in's envd. */
export function createEnvdHandler(options: EnvdServerOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const { sandboxes, journal } = options;
  const sandboxOf = (context: HandlerContext): StandInSandbox => {
    const sandbox = sandboxes.get(context.requestHeader.get('e2b-sandbox-id') ?? '');
    // The gate below already answered 502 for a missing sandbox; this is the sandbox ending mid-request.
    if (!sandbox) throw new ConnectError('sandbox is not running', Code.Unavailable);
    return sandbox;
  };
  const connectHandler = connectNodeAdapter({
    connect: true,
    grpc: false,
    grpcWeb: false,
    routes: (router) => registerRpcs(router, sandboxOf),
    // Served over HTTP/1.1 only, so the fallback's request and response are `node:http`'s.
    fallback: (request, response) => {
      void serveHttp(sandboxes, request as IncomingMessage, response as ServerResponse).catch((error: unknown) => {
        if (!response.headersSent) sendError(response as ServerResponse, error instanceof UploadError ? 400 : 500, error instanceof Error ? error.message : String(error));
        else response.destroy();
      });
    },
  });

  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const sandboxId = headerValue(request, 'e2b-sandbox-id');
    const operation = url.pathname.startsWith('/process.') || url.pathname.startsWith('/filesystem.')
      ? url.pathname.slice(1)
      : `${request.method} ${url.pathname}`;
    response.once('close', () =>
      journal.record({ api: 'envd', operation, ...(sandboxId ? { sandboxId } : {}), status: response.headersSent ? response.statusCode : 0 }),
    );
    const sandbox = sandboxId ? sandboxes.get(sandboxId) : undefined;
    if (!sandbox) {
      return sendError(response, 502, `The sandbox ${sandboxId ?? '(none named)'} was not found`);
    }
    if (headerValue(request, 'x-access-token') !== sandbox.envdAccessToken) {
      return sendError(response, 401, 'invalid access token');
    }
    connectHandler(request, response);
  };
}

function registerRpcs(router: ConnectRouter, sandboxOf: (context: HandlerContext) => StandInSandbox): void {
  router.rpc(envdMethods.processStart, (request, context) =>
    startProcess(sandboxOf(context), request as unknown as StartRequestShape, context),
  );
  router.rpc(envdMethods.processList, (_request, context) => ({
    processes: [...sandboxOf(context).processes.values()].map((process) => ({
      pid: process.pid,
      config: { cmd: process.cmd, args: process.args, envs: process.envs, ...(process.cwd ? { cwd: process.cwd } : {}) },
      ...(process.tag ? { tag: process.tag } : {}),
    })),
  }));
  router.rpc(envdMethods.processSendSignal, (request, context) => {
    const { process, signal } = request as unknown as SendSignalRequestShape;
    const selector = process?.selector;
    const sandbox = sandboxOf(context);
    const target =
      selector?.case === 'pid'
        ? sandbox.processes.get(selector.value)
        : selector?.case === 'tag'
          ? [...sandbox.processes.values()].find((candidate) => candidate.tag === selector.value)
          : undefined;
    if (!target) throw new ConnectError('process not found', Code.NotFound);
    const name = signal === 9 ? 'SIGKILL' : signal === 15 ? 'SIGTERM' : undefined;
    if (!name) throw new ConnectError(`unsupported signal ${signal}`, Code.InvalidArgument);
    killProcessGroup(target.child, name);
    return {};
  });
  router.rpc(envdMethods.filesystemStat, (request, context) => {
    const { path } = request as unknown as PathRequestShape;
    return { entry: entryInfo(sandboxOf(context), sandboxAbsolutePath(path)) };
  });
  router.rpc(envdMethods.filesystemMakeDir, (request, context) => {
    const sandbox = sandboxOf(context);
    const path = sandboxAbsolutePath((request as unknown as PathRequestShape).path);
    const existing = statSync(hostPath(sandbox, path), { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw new ConnectError(`directory '${path}' already exists`, Code.AlreadyExists);
    if (existing) throw new ConnectError(`path '${path}' already exists and is not a directory`, Code.InvalidArgument);
    mkdirSync(hostPath(sandbox, path), { recursive: true });
    return { entry: entryInfo(sandbox, path) };
  });
  router.rpc(envdMethods.filesystemMove, (request, context) => {
    const sandbox = sandboxOf(context);
    const { source, destination } = request as unknown as MoveRequestShape;
    const from = sandboxAbsolutePath(source);
    const to = sandboxAbsolutePath(destination);
    if (!lstatSync(hostPath(sandbox, from), { throwIfNoEntry: false })) throw new ConnectError(`path '${from}' does not exist`, Code.NotFound);
    mkdirSync(dirname(hostPath(sandbox, to)), { recursive: true });
    renameSync(hostPath(sandbox, from), hostPath(sandbox, to));
    return { entry: entryInfo(sandbox, to) };
  });
  router.rpc(envdMethods.filesystemListDir, (request, context) => {
    const sandbox = sandboxOf(context);
    const { path, depth } = request as unknown as ListDirRequestShape;
    const directory = sandboxAbsolutePath(path);
    const stats = statSync(hostPath(sandbox, directory), { throwIfNoEntry: false });
    if (!stats) throw new ConnectError(`directory '${directory}' does not exist`, Code.NotFound);
    if (!stats.isDirectory()) throw new ConnectError(`path '${directory}' is not a directory`, Code.InvalidArgument);
    return { entries: listEntries(sandbox, directory, Math.max(1, depth)) };
  });
  router.rpc(envdMethods.filesystemRemove, (request, context) => {
    const sandbox = sandboxOf(context);
    const path = sandboxAbsolutePath((request as unknown as PathRequestShape).path);
    if (!lstatSync(hostPath(sandbox, path), { throwIfNoEntry: false })) throw new ConnectError(`path '${path}' does not exist`, Code.NotFound);
    rmSync(hostPath(sandbox, path), { recursive: true, force: true });
    return {};
  });
}

async function* startProcess(sandbox: StandInSandbox, request: StartRequestShape, context: HandlerContext): AsyncIterable<{ event: ProcessEventInit }> {
  const config = request.process;
  if (!config?.cmd) throw new ConnectError('process.cmd is required', Code.InvalidArgument);
  const cwd = sandboxAbsolutePath(config.cwd ?? standInHomeDirectory);
  if (!statSync(hostPath(sandbox, cwd), { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConnectError(`failed to start process: working directory '${cwd}' does not exist`, Code.InvalidArgument);
  }
  const emitter = new EventEmitter();
  // Subscribed before the process starts, so no output can be emitted before anyone listens.
  const events = on(emitter, 'event', { signal: context.signal, close: ['done'] });
  const child = spawn(config.cmd, config.args, {
    cwd: hostPath(sandbox, cwd),
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: hostPath(sandbox, standInHomeDirectory),
      USER: 'user',
      LANG: 'C.UTF-8',
      ...sandbox.envVars,
      ...config.envs,
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (error) {
    throw new ConnectError(`failed to start process: ${error instanceof Error ? error.message : String(error)}`, Code.InvalidArgument);
  }
  const pid = child.pid as number;
  sandbox.processes.set(pid, {
    pid,
    child,
    cmd: config.cmd,
    args: config.args,
    envs: config.envs,
    ...(config.cwd ? { cwd: config.cwd } : {}),
    ...(request.tag ? { tag: request.tag } : {}),
  });
  // envd runs the command under the request's deadline: past it, the command is killed. A client that merely goes
  // away leaves it running.
  const timeoutMs = Number(context.requestHeader.get('connect-timeout-ms') ?? 0);
  const deadline = timeoutMs > 0 ? setTimeout(() => killProcessGroup(child, 'SIGKILL'), timeoutMs) : undefined;
  deadline?.unref();
  const emit = (event: ProcessEventInit) => emitter.emit('event', event);
  child.stdout?.on('data', (chunk: Buffer) => emit({ event: { case: 'data', value: { output: { case: 'stdout', value: new Uint8Array(chunk) } } } }));
  child.stderr?.on('data', (chunk: Buffer) => emit({ event: { case: 'data', value: { output: { case: 'stderr', value: new Uint8Array(chunk) } } } }));
  child.once('close', (code, signal) => {
    if (deadline) clearTimeout(deadline);
    sandbox.processes.delete(pid);
    const status = code !== null ? `exit status ${code}` : `signal: ${signal === 'SIGKILL' ? 'killed' : signal === 'SIGTERM' ? 'terminated' : String(signal)}`;
    emit({ event: { case: 'end', value: { exitCode: code ?? -1, exited: code !== null, status, ...(code === 0 ? {} : { error: status }) } } });
    emitter.emit('done');
  });

  yield { event: { event: { case: 'start', value: { pid } } } };
  for await (const [event] of events) yield { event: event as ProcessEventInit };
}

function listEntries(sandbox: StandInSandbox, directory: string, depth: number): EntryInfoInit[] {
  const entries: EntryInfoInit[] = [];
  for (const name of readdirSync(hostPath(sandbox, directory)).sort()) {
    const path = posix.join(directory, name);
    const entry = entryInfo(sandbox, path);
    entries.push(entry);
    if (depth > 1 && entry.type === envdFileType.directory) entries.push(...listEntries(sandbox, path, depth - 1));
  }
  return entries;
}

function entryInfo(sandbox: StandInSandbox, path: string): EntryInfoInit {
  const stats = lstatSync(hostPath(sandbox, path), { throwIfNoEntry: false });
  if (!stats) throw new ConnectError(`path '${path}' does not exist`, Code.NotFound);
  const type = stats.isSymbolicLink() ? envdFileType.symlink : stats.isDirectory() ? envdFileType.directory : envdFileType.file;
  return {
    name: posix.basename(path),
    type,
    path,
    size: BigInt(stats.size),
    mode: stats.mode & 0o7777,
    permissions: permissionString(stats.mode, type),
    owner: 'user',
    group: 'user',
    modifiedTime: { seconds: BigInt(Math.floor(stats.mtimeMs / 1000)), nanos: Math.floor((stats.mtimeMs % 1000) * 1e6) },
    ...(type === envdFileType.symlink ? { symlinkTarget: readlinkSync(hostPath(sandbox, path)) } : {}),
    metadata: {},
  };
}

/** `ls -l` style, as envd reports it: `drwxr-xr-x`. */
function permissionString(mode: number, type: number): string {
  const kind = type === envdFileType.directory ? 'd' : type === envdFileType.symlink ? 'l' : '-';
  const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'];
  return kind + bits.map((letter, index) => ((mode >> (8 - index)) & 1 ? letter : '-')).join('');
}

async function serveHttp(sandboxes: StandInSandboxes, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://stand-in');
  const sandbox = sandboxes.get(headerValue(request, 'e2b-sandbox-id') ?? '');
  if (!sandbox) return sendError(response, 502, 'sandbox is not running');
  if (url.pathname === '/health' && request.method === 'GET') {
    response.writeHead(204).end();
    return;
  }
  if (url.pathname !== '/files') return sendError(response, 404, `the E2B stand-in's envd does not serve ${request.method} ${url.pathname}`);
  const queryPath = url.searchParams.get('path');
  if (request.method === 'GET') {
    if (!queryPath) return sendError(response, 400, 'path is required');
    const path = sandboxAbsolutePath(queryPath);
    const stats = statSync(hostPath(sandbox, path), { throwIfNoEntry: false });
    if (!stats) return sendError(response, 404, `path '${path}' does not exist`);
    if (stats.isDirectory()) return sendError(response, 400, `path '${path}' is a directory`);
    const content = readFileSync(hostPath(sandbox, path));
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(content.byteLength) }).end(content);
    return;
  }
  if (request.method === 'POST') {
    const uploads: Array<{ path: string; content: Uint8Array }> = [];
    const contentType = request.headers['content-type'] ?? '';
    if (contentType.startsWith('multipart/form-data')) {
      // The web platform's own multipart parser, over the request body.
      const form = await new Request(url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: Readable.toWeb(request) as WebReadableStream<Uint8Array> as unknown as ReadableStream<Uint8Array>,
        duplex: 'half',
      } as RequestInit).formData();
      for (const part of form.getAll('file')) {
        if (typeof part === 'string') continue;
        const path = queryPath ?? part.name;
        if (!path) return sendError(response, 400, 'a file part has no path');
        uploads.push({ path, content: new Uint8Array(await part.arrayBuffer()) });
      }
    } else {
      if (!queryPath) return sendError(response, 400, 'path is required');
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      uploads.push({ path: queryPath, content: Buffer.concat(chunks) });
    }
    if (uploads.length === 0) return sendError(response, 400, 'no file in the request');
    const written = uploads.map(({ path: requested, content }) => {
      const path = sandboxAbsolutePath(requested);
      if (statSync(hostPath(sandbox, path), { throwIfNoEntry: false })?.isDirectory()) throw new UploadError(`path '${path}' is a directory`);
      mkdirSync(dirname(hostPath(sandbox, path)), { recursive: true });
      writeFileSync(hostPath(sandbox, path), content);
      return { name: posix.basename(path), type: 'file', path };
    });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(written));
    return;
  }
  sendError(response, 405, `method ${request.method} not allowed on /files`);
}

class UploadError extends Error {}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: status, message }));
}
