/**
 * `keel watch` and `keel chat` print a reply's tokens as they arrive (from `SessionHandle.events()`), and the
 * transcript's entry of that reply then only adds what was not streamed. Turns are claimed by whichever comes
 * first, the stream or the transcript, so that no text is printed twice. With `wholeTurns` (chat) the stream shows
 * the whole turn in the order it happened: the text as it is written, tool calls, their results, approvals waiting
 * and the turn's end, drawn as the transcript draws them. Human output only (`--json` prints the watch's own
 * events). Client-side.
 */
import type { SessionHandle } from '../../client/session-client.js';
import type { SessionEventEnvelope } from '../../shared/schemas/session-event.js';
import type { TranscriptEntry } from '../../shared/schemas/session-messages.js';
import type { CliContext } from '../cli-context.js';
import { formatUsage } from './format.js';
import { renderApproval } from './render-state.js';
import { LABEL_WIDTH, label, renderTranscriptEntry } from './render-transcript.js';

export interface LiveReplyOptions {
  showThinking?: boolean;
  signal?: AbortSignal;
  /**
   * Show tool calls, tool results, approvals waiting and turn ends from the stream too, not only the text (the
   * transcript then adds nothing of a streamed turn). @default false
   */
  wholeTurns?: boolean;
  /** Leave out the events of turns before this one (the reader has seen them). @default 0 */
  fromTurn?: number;
  /** With `wholeTurns`: how an approval waiting is decided, one line. @default the keel approve / deny commands */
  decideHint?: (toolUseId: string) => string;
  /** Called after each event of the stream has been shown (or left out). */
  onEvent?: (event: SessionEventEnvelope) => void;
}

export class LiveReply {
  /** Turns whose reply text is shown by the stream, and turns the transcript showed first. */
  readonly #streamed = new Set<number>();
  readonly #fromTranscript = new Set<number>();
  /** Tool calls of the turns left out, whose approvals are left out too (they come without a turn). */
  readonly #skippedToolUses = new Set<string>();
  #open: { turn: number; index: number; kind: string } | undefined;

  constructor(private readonly context: Pick<CliContext, 'write' | 'lineOpen' | 'print' | 'style'>) {}

  /** Follows the session's events until it ends or `signal` aborts; errors end the live view, not the command. */
  async follow(handle: SessionHandle, options: LiveReplyOptions = {}): Promise<void> {
    try {
      for await (const event of handle.events(options.signal ? { signal: options.signal } : {})) {
        this.#show(handle.workflowId, event, options);
        options.onEvent?.(event);
      }
    } catch {
      // No live stream (an older worker, no transport): the transcript shows each reply when it ends.
    }
  }

  #show(workflowId: string, event: SessionEventEnvelope, options: LiveReplyOptions): void {
    const { style } = this.context;
    const turn = 'turn' in event.data ? event.data.turn : undefined;
    if (turn !== undefined && turn < (options.fromTurn ?? 0)) {
      if (event.event === 'tool_use') this.#skippedToolUses.add(event.data.toolUseId);
      return;
    }
    switch (event.event) {
      case 'retry':
        if (!this.#streamed.has(event.data.turn)) return;
        this.context.print(style.yellow(`↻ the reply of turn ${event.data.turn} starts again (attempt ${event.data.attempt}${event.data.reason ? `: ${event.data.reason}` : ''})`));
        this.#open = undefined;
        return;
      case 'text_delta':
      case 'thinking_delta':
        if (event.event === 'thinking_delta' && !options.showThinking) return;
        return this.#write(event.event, event.data);
      case 'tool_use':
        if (!options.wholeTurns) return;
        return this.#print(renderTranscriptEntry({ kind: 'message', role: 'assistant', turn: event.data.turn, epoch: 0, content: [{ type: 'tool_use', id: event.data.toolUseId, name: event.data.name, input: event.data.input }] }, style));
      case 'tool_result': {
        if (!options.wholeTurns) return;
        const { toolUseId, content, isError } = event.data;
        return this.#print(renderTranscriptEntry({ kind: 'message', role: 'user', turn: event.data.turn, epoch: 0, content: [{ type: 'tool_result', tool_use_id: toolUseId, content, is_error: isError }] }, style));
      }
      case 'approval_requested': {
        if (!options.wholeTurns || this.#skippedToolUses.has(event.data.toolUseId)) return;
        const { toolUseId } = event.data;
        const decide = options.decideHint?.(toolUseId) ?? `keel approve ${workflowId} ${toolUseId}   |   keel deny ${workflowId} ${toolUseId}`;
        return this.#print(renderApproval(event.data, decide, style));
      }
      case 'turn_end':
        if (!options.wholeTurns) return;
        return this.#print([style.dim(`turn ${event.data.turn}, ${formatUsage(event.data.usage)}`)]);
      default:
        return;
    }
  }

  #print(lines: string[]): void {
    this.#open = undefined;
    for (const line of lines) this.context.print(line);
  }

  #write(kind: 'text_delta' | 'thinking_delta', { turn, index, text }: { turn: number; index: number; text: string }): void {
    const { style } = this.context;
    if (this.#fromTranscript.has(turn)) return;
    this.#streamed.add(turn);
    const open = this.#open;
    // A new block, or the same one after other lines were printed: its label first, on a line of its own.
    if (!open || open.turn !== turn || open.index !== index || open.kind !== kind || !this.context.lineOpen()) {
      if (this.context.lineOpen()) this.context.write('\n');
      this.context.write(kind === 'text_delta' ? label('assistant', style.green) : label('thinking', style.dim));
      this.#open = { turn, index, kind };
    }
    // Lines after the first are indented under the text, as the transcript's are.
    const indented = text.replaceAll('\n', `\n${' '.repeat(LABEL_WIDTH)}`);
    this.context.write(kind === 'text_delta' ? indented : style.dim(indented));
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
