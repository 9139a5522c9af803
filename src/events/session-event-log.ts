/**
 * One session's events in id order, built from what a process learns of it: the live stream of its model calls
 * (from a transport) and what its state and transcript show (tool calls and results, approvals, status, turn ends,
 * the end, and a turn's reply whole when its live stream was not seen). Pure: the feed drives it; subscribers read
 * it by id, so that any number of them, joining or resuming at any point, share one copy. Client-side.
 */
import { contentBlocks, textOf, type ContentBlock, type MessageContent } from '../shared/schemas/content.js';
import type { SessionEvent, SessionEventEnvelope } from '../shared/schemas/session-event.js';
import type { SessionStateView, SessionStatus, TranscriptEntry, Usage } from '../shared/schemas/session-messages.js';
import type { SpendEntry } from '../shared/schemas/spend.js';
import { compareEventIds, EventPhase, formatEventId, parseEventId, type EventId } from './event-id.js';
import type { StreamRecord } from './stream-record.js';
import type { CallPrelude } from '../shared/schemas/model-call.js';

export interface LoggedEvent {
  parts: EventId;
  envelope: SessionEventEnvelope;
}

/** Where a turn's live stream stands: the latest stream seen (by call and stream), its attempt, and whether it ended whole. */
interface LiveTurn {
  call: number;
  stream: number;
  attempt: number;
  complete: boolean;
}

const endStatusOrder: Record<SessionStatus, number> = {
  running: 0,
  waiting_for_input: 1,
  waiting_for_approval: 2,
  waiting_for_budget: 3,
  completed: 4,
  cancelled: 5,
  limit_reached: 6,
};

const zeroUsage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0 };

export class SessionEventLog {
  readonly events: LoggedEvent[] = [];
  /** The state's turn as last seen: a subscriber without `lastEventId` starts at this turn's events. */
  turn = 0;
  ended = false;
  readonly #live = new Map<number, LiveTurn>();
  readonly #repliedTurns = new Set<number>();
  /** Tool calls by id: the turn and the block index their events are placed by. */
  readonly #toolCalls = new Map<string, { turn: number; index: number }>();
  /** Tool calls whose results are in. */
  readonly #toolResults = new Set<string>();
  readonly #approvalsSeen = new Set<string>();
  #pendingTurnEnds: Array<{ turn: number; text: string }> = [];
  #status: SessionStatus | undefined;
  /** The spend of recent calls, from the latest state: each turn end's usage. */
  #spent: SpendEntry[] | undefined;
  readonly #onAdded: () => void;

  constructor(onAdded: () => void) {
    this.#onAdded = onAdded;
  }

  /** Index of the first event after `parts`. */
  indexAfter(parts: EventId): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compareEventIds(this.events[middle]!.parts, parts) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #add(parts: EventId, event: SessionEvent): void {
    const at = this.indexAfter(parts);
    // The same event learned twice (a transport resending what it holds, a transcript read again) is kept once.
    if (at > 0 && compareEventIds(this.events[at - 1]!.parts, parts) === 0) return;
    this.events.splice(at, 0, { parts, envelope: { ...event, id: formatEventId(parts) } as SessionEventEnvelope });
    this.#onAdded();
  }

  /** A record of the live stream. */
  addRecord(record: StreamRecord): void {
    if ('prelude' in record) {
      this.addPrelude(record.prelude);
      return;
    }
    const id = 'envelope' in record ? record.envelope.id : record.callEnd.id;
    const parts = parseEventId(id);
    if (!parts || parts[1] !== EventPhase.live || parts.length !== 5) return;
    const [turn, , call, stream, seq] = parts as [number, number, number, number, number];
    // Once a turn's reply came from the transcript, its live stream is past news.
    if (this.#repliedTurns.has(turn)) return;
    const live = this.#live.get(turn);
    const newer = !live || compareEventIds([call, stream], [live.call, live.stream]) > 0;
    if ('callEnd' in record) {
      if (live && live.call === call && live.stream === stream) live.complete = true;
      else if (newer) this.#live.set(turn, { call, stream, attempt: record.callEnd.attempt, complete: true });
      return;
    }
    const attempt = (record.envelope.data as { attempt?: number }).attempt ?? 1;
    if (newer) {
      this.#live.set(turn, { call, stream, attempt, complete: false });
      // A later stream of the turn voids what came before. An activity's retry says so itself (its first record);
      // a local call taken over by another worker, or a failover's call to another model, starts without one.
      if (live && seq !== 0) {
        this.#add([turn, EventPhase.live, call, stream, 0], {
          event: 'retry',
          data: { turn, attempt, reason: 'the model call started again; the text before this is void' },
        });
      }
    }
    this.#add(parts, record.envelope);
  }

  /**
   * A call's prelude: the turn before it as the transcript holds it, taken as its entries are (same ids, kept once
   * when the transcript brings them again), and its turn end with the usage it carries. The turn is then whole.
   */
  addPrelude(prelude: CallPrelude): void {
    const turn = prelude.previousTurn;
    if (turn < 1) return;
    for (const message of prelude.messages) this.addEntry({ kind: 'message', role: message.role, content: message.content, turn, epoch: 0 });
    const pending = this.#pendingTurnEnds.find((entry) => entry.turn === turn);
    if (!pending) return;
    this.#pendingTurnEnds = this.#pendingTurnEnds.filter((entry) => entry !== pending);
    this.#add([turn, EventPhase.turnEnd], { event: 'turn_end', data: { turn, text: pending.text, usage: prelude.usage } });
  }

  /** A transcript entry (in order; read again after continue-as-new is harmless). */
  addEntry(entry: TranscriptEntry): void {
    if (entry.kind !== 'message') return;
    const turn = entry.turn;
    if (entry.role === 'assistant') this.#addReply(turn, entry.content);
    else this.#addToolResults(turn, contentBlocks(entry.content));
  }

  #addReply(turn: number, content: MessageContent): void {
    if (this.#repliedTurns.has(turn)) return;
    this.#repliedTurns.add(turn);
    const blocks = contentBlocks(content);
    const live = this.#live.get(turn);
    if (!live?.complete) {
      if (live) {
        this.#add([turn, EventPhase.fromTranscript, 0], {
          event: 'retry',
          data: { turn, attempt: live.attempt + 1, reason: 'the live stream of this turn was cut short; its reply follows whole' },
        });
      }
      blocks.forEach((block, index) => {
        const event = wholeBlockDelta(turn, index, block);
        if (event) this.#add([turn, EventPhase.fromTranscript, 1, index], event);
      });
    }
    blocks.forEach((block, index) => {
      if (block.type !== 'tool_use') return;
      this.#toolCalls.set(block.id, { turn, index });
      this.#add([turn, EventPhase.toolUse, index], { event: 'tool_use', data: { turn, toolUseId: block.id, name: block.name, input: block.input } });
    });
    // Its usage is in the state: known already when the state was read first, else in the next one.
    this.#pendingTurnEnds.push({ turn, text: textOf(content) });
    if (this.#spent?.some((entry) => entry.kind === 'turn' && entry.turn === turn)) this.#flushTurnEnds(this.#spent);
  }

  #addToolResults(turn: number, blocks: ContentBlock[]): void {
    blocks.forEach((block, position) => {
      if (block.type !== 'tool_result') return;
      const call = this.#toolCalls.get(block.tool_use_id);
      this.#toolResults.add(block.tool_use_id);
      const content = block.content ?? '';
      this.#add([call?.turn ?? turn, EventPhase.toolResult, call?.index ?? 1000 + position], {
        event: 'tool_result',
        data: { turn: call?.turn ?? turn, toolUseId: block.tool_use_id, isError: block.is_error === true, content: content as string },
      });
    });
  }

  /**
   * Whether everything the transcript holds of `turn` is in: its reply with its turn end, and a result for each of
   * its tool calls. Nothing of it can then be placed behind a subscriber that has gone on to the next turn.
   */
  hasWholeTurn(turn: number): boolean {
    if (!this.#repliedTurns.has(turn) || this.#pendingTurnEnds.some((pending) => pending.turn === turn)) return false;
    for (const [toolUseId, call] of this.#toolCalls) if (call.turn === turn && !this.#toolResults.has(toolUseId)) return false;
    return true;
  }

  /** Whether the state last seen is older than `turn`'s reply (so its usage is not known yet). */
  spendPredates(turn: number): boolean {
    return this.#spent === undefined || !this.#spent.some((entry) => entry.kind === 'turn' && entry.turn >= turn);
  }

  /** The `state` query's answer, each time it changes (and when a turn end awaits its usage). */
  addState(state: SessionStateView): void {
    this.#spent = state.spend.recent;
    this.#flushTurnEnds(state.spend.recent);
    const previous = this.#status;
    this.turn = state.turn;
    if (previous !== state.status) {
      this.#status = state.status;
      this.#add(statusEventId(previous, state.status, state.turn), { event: 'status', data: { status: state.status } });
    }
    for (const approval of state.pendingApprovals) {
      if (this.#approvalsSeen.has(approval.toolUseId)) continue;
      this.#approvalsSeen.add(approval.toolUseId);
      const index = this.#toolCalls.get(approval.toolUseId)?.index ?? 0;
      this.#add([approval.requestedAtTurn, EventPhase.approval, 1, index], {
        event: 'approval_requested',
        data: { toolUseId: approval.toolUseId, tool: approval.tool, input: approval.input },
      });
    }
  }

  /** Takes the spend of a state read before the transcript entries that follow, so their turn ends go in at once. */
  noteSpend(state: SessionStateView): void {
    this.#spent = state.spend.recent;
  }

  #flushTurnEnds(recent: SpendEntry[] | undefined): void {
    for (const { turn, text } of this.#pendingTurnEnds) {
      const spent = recent?.find((entry) => entry.kind === 'turn' && entry.turn === turn);
      const usage: Usage = spent
        ? {
            inputTokens: spent.inputTokens,
            outputTokens: spent.outputTokens,
            cacheReadInputTokens: spent.cacheReadInputTokens,
            cacheCreationInputTokens: spent.cacheCreationInputTokens,
            costUsd: spent.costUsd,
          }
        : zeroUsage;
      this.#add([turn, EventPhase.turnEnd], { event: 'turn_end', data: { turn, text, usage } });
    }
    this.#pendingTurnEnds = [];
  }

  /** The session's workflow closed. */
  addEnd(status: string, finalText: string, turns: number | undefined): void {
    this.#flushTurnEnds(undefined);
    const turn = Math.max(turns ?? 0, this.turn);
    this.#add([turn, EventPhase.sessionEnd], { event: 'session_end', data: { status, finalText } });
    this.ended = true;
    this.#onAdded();
  }
}

/** A whole content block as the one delta that stands for its stream; undefined for blocks that do not stream. */
function wholeBlockDelta(turn: number, index: number, block: ContentBlock): SessionEvent | undefined {
  if (block.type === 'text') return { event: 'text_delta', data: { turn, index, text: block.text } };
  if (block.type === 'thinking') return { event: 'thinking_delta', data: { turn, index, text: block.thinking } };
  if (block.type === 'tool_use') return { event: 'tool_input_delta', data: { turn, index, toolUseId: block.id, json: JSON.stringify(block.input) } };
  return undefined;
}

/**
 * Where a status change falls among the turn's events. `turn` is the state's turn: the last model call's (the next
 * call is `turn + 1`).
 */
function statusEventId(previous: SessionStatus | undefined, status: SessionStatus, turn: number): EventId {
  switch (status) {
    case 'waiting_for_budget':
      return [turn + 1, EventPhase.statusBefore, 0];
    case 'waiting_for_approval':
      return [turn, EventPhase.approval, 0];
    case 'running':
      // Running again after waiting for input or budget: the next model call's; after approvals (or first seen
      // mid-turn), the tools' of the last call.
      return previous === 'waiting_for_input' || previous === 'waiting_for_budget' ? [turn + 1, EventPhase.statusBefore, 1] : [turn, EventPhase.approval, 2];
    default:
      return [turn, EventPhase.statusAfter, endStatusOrder[status]];
  }
}
