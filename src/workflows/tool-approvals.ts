/**
 * Tool calls waiting for a human decision (`approval.tools`), and the decisions taken. Pure and deterministic: the
 * workflow feeds it the `decideToolCall` updates and the timeouts, and reads `pending()` for the `state` query.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ToolUseBlock } from '../shared/schemas/content.js';
import { checkClientArgument } from '../shared/schemas/client-argument.js';
import { decideToolCallInputSchema, type DecideToolCallInput, type PendingApproval } from '../shared/schemas/session-messages.js';

/** What became of a call that waited for approval. */
export type ApprovalOutcome =
  | { kind: 'approved'; input: unknown; edited: boolean }
  | { kind: 'denied'; reason?: string }
  | { kind: 'substituted'; result: string; reason?: string }
  | { kind: 'timed-out'; afterSeconds: number }
  | { kind: 'interrupted'; reason: string };

/** The answer of `decideToolCall`: the call and the decision as recorded. */
export type RecordedDecision = PendingApproval & { decision: DecideToolCallInput };

export class ToolApprovals {
  readonly #pending = new Map<string, PendingApproval>();
  readonly #outcomes = new Map<string, ApprovalOutcome>();

  /** Lists a call as waiting for a decision. */
  request(call: ToolUseBlock, turn: number): void {
    this.#pending.set(call.id, { toolUseId: call.id, tool: call.name, input: call.input, requestedAtTurn: turn });
  }

  /** The calls waiting, in the order they were requested. */
  pending(): PendingApproval[] {
    return [...this.#pending.values()];
  }

  hasPending(): boolean {
    return this.#pending.size > 0;
  }

  outcomeOf(toolUseId: string): ApprovalOutcome | undefined {
    return this.#outcomes.get(toolUseId);
  }

  /**
   * Why a decision must be refused, or undefined when it is acceptable. Used by the update's validator, so a
   * refused decision never enters history.
   */
  rejectionOf(raw: unknown): string | undefined {
    const checked = checkClientArgument(decideToolCallInputSchema, raw, 'decision');
    if (!checked.ok) return checked.reason;
    const decision = checked.value;
    const earlier = this.#outcomes.get(decision.toolUseId);
    if (earlier) return `tool call ${decision.toolUseId} is already decided (${earlier.kind})`;
    if (!this.#pending.has(decision.toolUseId)) {
      const waiting = this.pending().map((approval) => approval.toolUseId);
      return `no tool call ${decision.toolUseId} is waiting for approval${waiting.length > 0 ? ` (waiting: ${waiting.join(', ')})` : ''}`;
    }
    if (decision.approve && decision.result !== undefined) return 'an approval runs the tool: `result` goes with approve: false';
    if (!decision.approve && decision.input !== undefined) return 'a denial runs nothing: `input` goes with approve: true';
    return undefined;
  }

  /** Records a decision that passed {@link rejectionOf}. @throws ApplicationFailure (fails the update) otherwise. */
  decide(decision: DecideToolCallInput): RecordedDecision {
    const rejection = this.rejectionOf(decision);
    if (rejection) throw ApplicationFailure.create({ message: rejection, nonRetryable: true });
    const pending = this.#pending.get(decision.toolUseId)!;
    this.#pending.delete(decision.toolUseId);
    let outcome: ApprovalOutcome;
    if (decision.approve) {
      const edited = decision.input !== undefined;
      outcome = { kind: 'approved', input: edited ? decision.input : pending.input, edited };
    } else if (decision.result !== undefined) {
      outcome = { kind: 'substituted', result: decision.result, ...(decision.reason ? { reason: decision.reason } : {}) };
    } else {
      outcome = { kind: 'denied', ...(decision.reason ? { reason: decision.reason } : {}) };
    }
    this.#outcomes.set(decision.toolUseId, outcome);
    return { ...pending, decision };
  }

  /** Ends the wait of a call without a decision (timeout, interrupt); later decisions for it are refused. */
  close(toolUseId: string, outcome: Extract<ApprovalOutcome, { kind: 'timed-out' | 'interrupted' }>): void {
    if (!this.#pending.delete(toolUseId)) return;
    this.#outcomes.set(toolUseId, outcome);
  }
}

/** One line for the transcript's `tool-decision` marker. */
export function describeOutcome(call: Pick<ToolUseBlock, 'id' | 'name'>, outcome: ApprovalOutcome): string {
  const subject = `${call.name} ${call.id}`;
  switch (outcome.kind) {
    case 'approved':
      return outcome.edited ? `${subject}: approved with edited input ${JSON.stringify(outcome.input)}` : `${subject}: approved`;
    case 'denied':
      return `${subject}: denied${outcome.reason ? `: ${outcome.reason}` : ''}`;
    case 'substituted':
      return `${subject}: denied, result substituted${outcome.reason ? ` (${outcome.reason})` : ''}`;
    case 'timed-out':
      return `${subject}: no decision within ${outcome.afterSeconds} s, denied`;
    case 'interrupted':
      return `${subject}: not decided, the turn was interrupted (${outcome.reason})`;
  }
}
