/**
 * A minimal Chrome DevTools Protocol client over the inspector's WebSocket, for tests that drive a debugger the
 * way a person's editor would: enable the debugger, set breakpoints, read paused frames, evaluate, resume.
 */
import WebSocket from 'ws';

export interface PausedEvent {
  reason: string;
  hitBreakpoints?: string[];
  callFrames: Array<{ callFrameId: string; functionName: string; url: string; location: { scriptId: string; lineNumber: number; columnNumber?: number } }>;
}

export interface DevtoolsClient {
  send<T = unknown>(method: string, params?: object): Promise<T>;
  /** Resolves with the next event of that method (or one already received and not yet taken). */
  next<T = unknown>(method: string, timeoutMs?: number): Promise<T>;
  /** Every `Debugger.scriptParsed` event so far. */
  scripts: Array<{ scriptId: string; url: string; sourceMapURL?: string }>;
  close(): void;
}

export async function connectDevtools(url: string): Promise<DevtoolsClient> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const replies = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const events: Array<{ method: string; params: unknown }> = [];
  const waiters: Array<{ method: string; resolve(value: unknown): void }> = [];
  const scripts: DevtoolsClient['scripts'] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
    if (message.id !== undefined) {
      const reply = replies.get(message.id);
      replies.delete(message.id);
      if (message.error) reply?.reject(new Error(message.error.message));
      else reply?.resolve(message.result);
      return;
    }
    if (!message.method) return;
    if (message.method === 'Debugger.scriptParsed') scripts.push(message.params as DevtoolsClient['scripts'][number]);
    const waiter = waiters.findIndex((candidate) => candidate.method === message.method);
    if (waiter >= 0) waiters.splice(waiter, 1)[0].resolve(message.params);
    else events.push({ method: message.method, params: message.params });
  });
  return {
    scripts,
    send<T>(method: string, params: object = {}) {
      const id = nextId++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise<T>((resolve, reject) => replies.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    },
    next<T>(method: string, timeoutMs = 60_000) {
      const index = events.findIndex((event) => event.method === method);
      if (index >= 0) return Promise.resolve(events.splice(index, 1)[0].params as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${method} event within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          method,
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
        });
      });
    },
    close: () => socket.close(),
  };
}
