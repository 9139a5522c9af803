/**
 * `keel watch` and `keel chat` print a reply's tokens as they arrive (from `SessionHandle.events()`), and the
 * transcript's entry of that reply then only adds what was not streamed. Turns are claimed by whichever comes
 * first, the stream or the transcript, so that no text is printed twice. Human output only (`--json` prints the
 * watch's own events). Client-side.
 */
import type { SessionHandle } from '../../client/session-client.js';
import type { SessionEventEnvelope } from '../../shared/schemas/session-event.js';
import type { TranscriptEntry } from '../../shared/schemas/session-messages.js';
import type { CliContext } from '../cli-context.js';
import { LABEL_WIDTH, label } from './render-transcript.js';

export interface LiveReplyOptions {
  showThinking?: boolean;
  signal?: AbortSignal;
}

export class LiveReply {
  /** Turns whose reply text is shown by the stream, and turns the transcript showed first. */
  readonly #streamed = new Set<number>();
  readonly #fromTranscript = new Set<number>();
  #open: { turn: number; index: number; kind: string } | undefined;

  constructor(private readonly context: Pick<CliContext, 'write' | 'lineOpen' | 'print' | 'style'>) {}

  /** Follows the session's events until it ends or `signal` aborts; errors end the live view, not the command. */
  async follow(handle: SessionHandle, options: LiveReplyOptions = {}): Promise<void> {
    try {
      for await (const event of handle.events(options.signal ? { signal: options.signal } : {})) this.#show(event, options);
    } catch {
      // No live stream (an older worker, no transport): the transcript shows each reply when it ends.
    }
  }

  #show(event: SessionEventEnvelope, options: LiveReplyOptions): void {
    const { style } = this.context;
    if (event.event === 'retry') {
      if (!this.#streamed.has(event.data.turn)) return;
      this.context.print(style.yellow(`↻ the reply of turn ${event.data.turn} starts again (attempt ${event.data.attempt}${event.data.reason ? `: ${event.data.reason}` : ''})`));
      this.#open = undefined;
      return;
    }
    if (event.event !== 'text_delta' && !(event.event === 'thinking_delta' && options.showThinking)) return;
    const { turn, index, text } = event.data;
    if (this.#fromTranscript.has(turn)) return;
    this.#streamed.add(turn);
    const open = this.#open;
    // A new block, or the same one after other lines were printed: its label first, on a line of its own.
    if (!open || open.turn !== turn || open.index !== index || open.kind !== event.event || !this.context.lineOpen()) {
      if (this.context.lineOpen()) this.context.write('\n');
      this.context.write(event.event === 'text_delta' ? label('assistant', style.green) : label('thinking', style.dim));
      this.#open = { turn, index, kind: event.event };
    }
    // Lines after the first are indented under the text, as the transcript's are.
    const indented = text.replaceAll('\n', `\n${' '.repeat(LABEL_WIDTH)}`);
    this.context.write(event.event === 'text_delta' ? indented : style.dim(indented));
  }

  /** The entry as it should still be shown: a streamed reply without the text (and thinking) already printed. */
  remaining(entry: TranscriptEntry, options: LiveReplyOptions = {}): TranscriptEntry | undefined {
    if (entry.kind !== 'message' || entry.role !== 'assistant') return entry;
    if (!this.#streamed.has(entry.turn)) {
      this.#fromTranscript.add(entry.turn);
      return entry;
    }
    this.#open = undefined;
    if (typeof entry.content === 'string') return undefined;
    const rest = entry.content.filter((block) => block.type !== 'text' && !(block.type === 'thinking' && options.showThinking));
    return rest.length > 0 ? { ...entry, content: rest } : undefined;
  }
}
