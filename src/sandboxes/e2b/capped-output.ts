/**
 * One output stream of a command, kept up to a byte budget: the first `maxBytes` bytes of UTF-8 are kept, the rest
 * is only counted. Text arrives already decoded (the SDK decodes each chunk), so a cut never splits a character.
 */
export class CappedOutput {
  private kept = '';
  private keptBytes = 0;
  /** Bytes received beyond the budget. */
  truncatedBytes = 0;

  constructor(private readonly maxBytes: number) {}

  append(chunk: string): void {
    const bytes = Buffer.byteLength(chunk);
    // Once cut, the kept text stays one unbroken head of the stream.
    if (this.truncatedBytes > 0) {
      this.truncatedBytes += bytes;
      return;
    }
    const room = this.maxBytes - this.keptBytes;
    if (bytes <= room) {
      this.kept += chunk;
      this.keptBytes += bytes;
      return;
    }
    // `stream: true` holds back a character cut in half, so the kept part is whole characters.
    const head = room > 0 ? new TextDecoder().decode(Buffer.from(chunk).subarray(0, room), { stream: true }) : '';
    const headBytes = Buffer.byteLength(head);
    this.kept += head;
    this.keptBytes += headBytes;
    this.truncatedBytes += bytes - headBytes;
  }

  get text(): string {
    return this.kept;
  }
}
