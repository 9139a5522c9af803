/**
 * Processes of stream readers (`stream-readers-main.ts`) that the http-stream bench hands its clients to: N readers
 * are split evenly among the processes and start at once. The API, the model server and the worker then each have a
 * process of their own, and what a row measures is theirs, not the cost of the readers beside them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { StreamRead } from './stream-readers.js';

const readerEntry = fileURLToPath(new URL('./stream-readers-main.ts', import.meta.url));

export type ReaderRequest =
  | { id: number; kind: 'events'; count: number; url: string; startedAt: number; expectedText: string }
  | { id: number; kind: 'direct'; count: number; modelUrl: string; model: string; label: string; expectedText: string };
export type ReaderReply = { id: number; reads: StreamRead[] } | { id: number; error: string };

type RequestBody = ReaderRequest extends infer R ? (R extends ReaderRequest ? Omit<R, 'id' | 'count'> : never) : never;

export class StreamReaderPool {
  readonly #children: ChildProcess[];
  readonly #pending = new Map<number, { resolve: (reads: StreamRead[]) => void; reject: (error: Error) => void }>();
  #nextId = 1;

  private constructor(children: ChildProcess[]) {
    this.#children = children;
    for (const child of children) {
      child.on('message', (reply: ReaderReply) => {
        const pending = this.#pending.get(reply.id);
        if (!pending) return;
        this.#pending.delete(reply.id);
        if ('error' in reply) pending.reject(new Error(`a reader process: ${reply.error}`));
        else pending.resolve(reply.reads);
      });
    }
  }

  /** Starts `processes` reader processes and waits until each is ready. */
  static async start(processes: number): Promise<StreamReaderPool> {
    const children = Array.from({ length: processes }, () =>
      fork(readerEntry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    await Promise.all(children.map((child) => once(child, 'message')));
    return new StreamReaderPool(children);
  }

  /** Runs `count` readers of `body`, split among the processes, all at once; their reads in no set order. */
  async read(count: number, body: RequestBody): Promise<StreamRead[]> {
    const shares = this.#children.map((_, index) => Math.floor(count / this.#children.length) + (index < count % this.#children.length ? 1 : 0));
    const replies = await Promise.all(
      this.#children.flatMap((child, index) => {
        const share = shares[index]!;
        if (share === 0) return [];
        const id = this.#nextId++;
        return [
          new Promise<StreamRead[]>((resolve, reject) => {
            this.#pending.set(id, { resolve, reject });
            child.send({ ...body, id, count: share } as ReaderRequest);
          }),
        ];
      }),
    );
    return replies.flat();
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.disconnect();
        await exited;
      }),
    );
  }
}
