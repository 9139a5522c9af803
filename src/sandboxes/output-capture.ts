/**
 * Keeps a bounded amount of a stream's output: its first and last bytes, counting what falls in between. A
 * command that prints 50 MB costs a fixed amount of memory, and the model sees how it started and how it ended
 * (where errors usually are), with a note of what was cut. Worker-side; shared by the sandbox providers.
 */

/** The captured text of a stream. */
export interface CapturedOutput {
  /** The kept head and tail as UTF-8 text; when bytes were cut, a note between them says how many. */
  text: string;
  /** Bytes the stream produced in all. */
  totalBytes: number;
  /** Bytes left out of `text`. */
  cutBytes: number;
}

/** The note put where output was cut. */
export function cutNote(cutBytes: number): string {
  return `\n[... ${cutBytes} bytes cut ...]\n`;
}

/** Length of `bytes` without a trailing incomplete UTF-8 sequence. */
function completeUtf8Length(bytes: Uint8Array): number {
  // Walk back over at most 3 continuation bytes to the lead byte of the last sequence.
  let index = bytes.length - 1;
  let continuation = 0;
  while (index >= 0 && continuation < 3 && (bytes[index]! & 0xc0) === 0x80) {
    index -= 1;
    continuation += 1;
  }
  if (index < 0) return bytes.length;
  const lead = bytes[index]!;
  const expected = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return expected > continuation + 1 ? index : bytes.length;
}

/** Offset of the first byte in `bytes` that starts a UTF-8 sequence (skips a cut-off sequence's tail). */
function firstCompleteUtf8Offset(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length && index < 3 && (bytes[index]! & 0xc0) === 0x80) index += 1;
  return index;
}

export class OutputCapture {
  readonly #headLimit: number;
  readonly #tailLimit: number;
  readonly #head: Buffer;
  #headLength = 0;
  /** A ring of the last `tailLimit` bytes seen after the head filled up. */
  readonly #tail: Buffer;
  #tailStart = 0;
  #tailLength = 0;
  #total = 0;

  /** @param maxBytes bytes kept in all; half from the start of the stream, half from its end. */
  constructor(readonly maxBytes: number) {
    this.#headLimit = Math.ceil(maxBytes / 2);
    this.#tailLimit = maxBytes - this.#headLimit;
    this.#head = Buffer.alloc(this.#headLimit);
    this.#tail = Buffer.alloc(this.#tailLimit);
  }

  get totalBytes(): number {
    return this.#total;
  }

  write(chunk: Uint8Array): void {
    this.#total += chunk.length;
    let offset = 0;
    if (this.#headLength < this.#headLimit) {
      const taken = Math.min(chunk.length, this.#headLimit - this.#headLength);
      this.#head.set(chunk.subarray(0, taken), this.#headLength);
      this.#headLength += taken;
      offset = taken;
    }
    if (offset >= chunk.length || this.#tailLimit === 0) return;
    let rest = chunk.subarray(offset);
    // Only the last tailLimit bytes of a large chunk can survive.
    if (rest.length >= this.#tailLimit) {
      rest = rest.subarray(rest.length - this.#tailLimit);
      this.#tail.set(rest, 0);
      this.#tailStart = 0;
      this.#tailLength = this.#tailLimit;
      return;
    }
    const end = (this.#tailStart + this.#tailLength) % this.#tailLimit;
    const firstPart = Math.min(rest.length, this.#tailLimit - end);
    this.#tail.set(rest.subarray(0, firstPart), end);
    this.#tail.set(rest.subarray(firstPart), 0);
    const overflow = this.#tailLength + rest.length - this.#tailLimit;
    if (overflow > 0) {
      this.#tailStart = (this.#tailStart + overflow) % this.#tailLimit;
      this.#tailLength = this.#tailLimit;
    } else {
      this.#tailLength += rest.length;
    }
  }

  /** The output so far. */
  result(): CapturedOutput {
    const head = this.#head.subarray(0, this.#headLength);
    const tail = Buffer.concat([
      this.#tail.subarray(this.#tailStart, Math.min(this.#tailLimit, this.#tailStart + this.#tailLength)),
      this.#tail.subarray(0, Math.max(0, this.#tailStart + this.#tailLength - this.#tailLimit)),
    ]);
    const cutBytes = this.#total - head.length - tail.length;
    if (cutBytes === 0) {
      return { text: Buffer.concat([head, tail]).toString('utf8'), totalBytes: this.#total, cutBytes: 0 };
    }
    // Cut on character boundaries so the text holds no replacement characters of our making.
    const headEnd = completeUtf8Length(head);
    const tailStart = firstCompleteUtf8Offset(tail);
    const keptHead = head.subarray(0, headEnd);
    const keptTail = tail.subarray(tailStart);
    const cut = this.#total - keptHead.length - keptTail.length;
    return {
      text: `${keptHead.toString('utf8')}${cutNote(cut)}${keptTail.toString('utf8')}`,
      totalBytes: this.#total,
      cutBytes: cut,
    };
  }
}
