/**
 * The least of a Redis client the event transport needs: one connection, commands sent in order, replies (RESP2)
 * matched to them in order. No npm package: the transport uses four commands.
 */
import { createConnection, type Socket } from 'node:net';

export type RespValue = string | number | null | RespValue[] | Error;

/** Parses one RESP value at `offset`; undefined when the buffer does not hold all of it yet. */
function parse(buffer: Buffer, offset: number): { value: RespValue; end: number } | undefined {
  if (offset >= buffer.length) return undefined;
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  switch (type) {
    case '+':
      return { value: line, end: lineEnd + 2 };
    case '-':
      return { value: new Error(line), end: lineEnd + 2 };
    case ':':
      return { value: Number(line), end: lineEnd + 2 };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: lineEnd + 2 };
      const start = lineEnd + 2;
      if (buffer.length < start + length + 2) return undefined;
      return { value: buffer.toString('utf8', start, start + length), end: start + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: lineEnd + 2 };
      const items: RespValue[] = [];
      let position = lineEnd + 2;
      for (let index = 0; index < count; index += 1) {
        const item = parse(buffer, position);
        if (!item) return undefined;
        items.push(item.value);
        position = item.end;
      }
      return { value: items, end: position };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

export class RespConnection {
  static async connect(url: string): Promise<RespConnection> {
    const { hostname, port } = new URL(url);
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RespConnection(socket);
  }

  readonly #socket: Socket;
  readonly #waiting: Array<{ resolve: (value: RespValue) => void; reject: (error: Error) => void }> = [];
  #buffer: Buffer = Buffer.alloc(0);

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      let offset = 0;
      for (;;) {
        const parsed = parse(this.#buffer, offset);
        if (!parsed) break;
        offset = parsed.end;
        const waiter = this.#waiting.shift();
        if (parsed.value instanceof Error) waiter?.reject(parsed.value);
        else waiter?.resolve(parsed.value);
      }
      this.#buffer = this.#buffer.subarray(offset);
    });
    const fail = (error: Error) => {
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the Redis connection closed')));
  }

  command(...args: string[]): Promise<RespValue> {
    const encoded = `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#socket.write(encoded);
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}
