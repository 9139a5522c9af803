/**
 * What a subscriber makes of the deltas: each turn's text, thinking and tool inputs so far, dropping a turn's
 * pieces when a `retry` says its stream starts again. Pure; for apps, `keel chat`/`keel watch` and tests.
 */
import type { SessionEventEnvelope } from '../shared/schemas/session-event.js';

interface TurnPieces {
  text: Map<number, string>;
  thinking: Map<number, string>;
  toolInput: Map<string, string>;
}

export class TurnText {
  readonly #turns = new Map<number, TurnPieces>();

  #pieces(turn: number): TurnPieces {
    let pieces = this.#turns.get(turn);
    if (!pieces) {
      pieces = { text: new Map(), thinking: new Map(), toolInput: new Map() };
      this.#turns.set(turn, pieces);
    }
    return pieces;
  }

  add(envelope: SessionEventEnvelope): void {
    switch (envelope.event) {
      case 'retry':
        this.#turns.delete(envelope.data.turn);
        return;
      case 'text_delta':
      case 'thinking_delta': {
        const blocks = this.#pieces(envelope.data.turn)[envelope.event === 'text_delta' ? 'text' : 'thinking'];
        blocks.set(envelope.data.index, (blocks.get(envelope.data.index) ?? '') + envelope.data.text);
        return;
      }
      case 'tool_input_delta': {
        const inputs = this.#pieces(envelope.data.turn).toolInput;
        inputs.set(envelope.data.toolUseId, (inputs.get(envelope.data.toolUseId) ?? '') + envelope.data.json);
        return;
      }
      default:
        return;
    }
  }

  /** The turn's text so far, its text blocks in order joined by newlines (as the transcript's text of a reply). */
  text(turn: number): string {
    return joinBlocks(this.#turns.get(turn)?.text);
  }

  thinking(turn: number): string {
    return joinBlocks(this.#turns.get(turn)?.thinking);
  }

  /** A tool call's input JSON as written so far. */
  toolInput(turn: number, toolUseId: string): string | undefined {
    return this.#turns.get(turn)?.toolInput.get(toolUseId);
  }
}

function joinBlocks(blocks: Map<number, string> | undefined): string {
  if (!blocks) return '';
  return [...blocks.entries()].sort(([a], [b]) => a - b).map(([, text]) => text).join('\n');
}
