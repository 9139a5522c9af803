/**
 * The context policy's rules: when a context reset is due, and what the context holds after one. Pure and
 * deterministic (workflow code); the workflow does the waiting and the summarising model call.
 *
 * A reset keeps a tail of the conversation verbatim (the last N model turns, each an assistant message and the
 * messages after it) and opens the new context with one user message holding what the policy keeps of the rest:
 * the task, and a summary (`compact`) or a note of what was dropped (`reset`). The message awaiting the model is
 * always part of the tail, and so is the assistant message whose tool calls it answers, so the new context is a
 * conversation the API accepts: it starts with the user, roles alternate, every tool result follows its call, and
 * the last assistant message keeps its thinking blocks as they came.
 */
import type { ContentBlock, Message, MessageContent } from '../shared/schemas/content.js';
import { contentBlocks } from '../shared/schemas/content.js';
import type { ModelUsage } from '../shared/schemas/model-call.js';
import type { ContextKeep, ContextPolicy } from '../shared/schemas/profile.js';

/** `reset` rebuilds from what the policy keeps; `compact` does so after the model summarised the context. */
export type ResetStrategy = 'reset' | 'compact';

/** What the new context is made of. */
export interface RebuiltContext {
  messages: Message[];
  /** Messages of the old context not carried over verbatim. */
  droppedMessages: number;
}

/** The input tokens a call really read: fresh, read from the cache, and written to it. */
export function contextTokensOf(usage: ModelUsage): number {
  return usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens;
}

/** The strategy a reset uses: the signal's when it names one (`clear` is `reset`), else the policy's. */
export function resetStrategyFor(policy: ContextPolicy, requested?: 'compact' | 'clear'): ResetStrategy {
  if (requested === 'compact') return 'compact';
  if (requested === 'clear') return 'reset';
  return policy.strategy === 'compact' ? 'compact' : 'reset';
}

/** Input tokens at which the policy resets on its own, or undefined when it never does (`none`). */
export function triggerTokens(policy: ContextPolicy, contextWindow: number): number | undefined {
  return policy.strategy === 'none' ? undefined : Math.floor(policy.triggerFraction * contextWindow);
}

/** True when the last call's real input tokens reached the policy's trigger. */
export function triggerCrossed(policy: ContextPolicy, contextWindow: number, lastContextTokens: number | undefined): boolean {
  const trigger = triggerTokens(policy, contextWindow);
  return trigger !== undefined && lastContextTokens !== undefined && lastContextTokens >= trigger;
}

function hasToolResult(message: Message | undefined): boolean {
  return message !== undefined && typeof message.content !== 'string' && message.content.some((block) => block.type === 'tool_result');
}

/**
 * Index of the first message kept verbatim: the `lastTurns`-th assistant message from the end, or, with none to
 * keep, the last message (with the assistant message before it when it answers tool calls). 0 keeps everything.
 */
export function keptTailStart(messages: readonly Message[], lastTurns: number): number {
  if (messages.length === 0) return 0;
  const assistantIndexes = messages.flatMap((message, index) => (message.role === 'assistant' ? [index] : []));
  if (lastTurns > 0 && assistantIndexes.length > 0) return assistantIndexes[Math.max(0, assistantIndexes.length - lastTurns)];
  const last = messages.length - 1;
  if (hasToolResult(messages[last]) && last > 0 && messages[last - 1].role === 'assistant') return last - 1;
  return last;
}

/**
 * True when an automatic reset would make the context smaller: more than the opening message (which a rebuilt
 * context replaces with a new one) would go. Without this, a policy that keeps as much as there is would reset
 * before every call.
 */
export function resetWouldShrink(messages: readonly Message[], keep: ContextKeep): boolean {
  return keptTailStart(messages, keep.lastTurns) >= 2;
}

/** The text that replaces the dropped conversation after a `reset`. */
export function resetNote(options: { turn: number; droppedMessages: number }): string {
  return (
    `[Context reset at turn ${options.turn}: ${options.droppedMessages} earlier message(s) were removed from this ` +
    'context to keep it within the model\'s window. The session\'s full transcript is kept outside it.]'
  );
}

/** How a summary opens the new context after a `compact`. */
export function summaryText(summary: string): string {
  return `Summary of the conversation so far (written before the context was compacted):\n\n${summary}`;
}

/** The instruction that closes the summarising call's conversation. */
export function summaryInstruction(keep: ContextKeep, override?: string): string {
  if (override) return override;
  const kept = [
    ...(keep.task ? ['the original task'] : []),
    ...(keep.lastTurns > 0 ? [`the last ${keep.lastTurns} turn(s) of this conversation`] : []),
  ];
  return (
    'The context window is nearly full and is about to be reset. Write a summary of the conversation so far that ' +
    `will replace it${kept.length > 0 ? ` (kept alongside it: ${kept.join(' and ')})` : ''}. Include what is needed ` +
    'to continue the work without the earlier messages: the goal, decisions made and why, facts learned, files ' +
    'and other state changed, what is in progress, open questions, and the next steps. Reply with the summary only; ' +
    'do not call tools.'
  );
}

/**
 * The summarising call's conversation: the current context with the instruction added to its last user message
 * (after any tool results, which the API wants first). A copy; the context itself is untouched.
 */
export function summaryConversation(messages: readonly Message[], instruction: string): Message[] {
  const copy = messages.map((message) => ({ ...message }));
  const last = copy.at(-1);
  const instructionBlock: ContentBlock = { type: 'text', text: instruction };
  if (last && last.role === 'user') last.content = [...contentBlocks(last.content), instructionBlock];
  else copy.push({ role: 'user', content: [instructionBlock] });
  return copy;
}

/**
 * The context after a reset: an opening user message with the task (when kept) and the summary or note (when
 * kept), then the kept tail. `opening` is the summary text (`compact`) or the note (`reset`); it is used anyway
 * when the new context would otherwise not start with a user message.
 */
export function rebuildContext(options: {
  messages: readonly Message[];
  task: MessageContent | undefined;
  keep: ContextKeep;
  opening: string;
}): RebuiltContext {
  const { messages, task, keep, opening } = options;
  const start = keptTailStart(messages, keep.lastTurns);
  if (start === 0) return { messages: messages.map((message) => ({ ...message })), droppedMessages: 0 };
  const tail = messages.slice(start).map((message) => ({ ...message }));
  const head: ContentBlock[] = [
    ...(keep.task && task !== undefined ? contentBlocks(task) : []),
    ...(keep.summary ? [{ type: 'text' as const, text: opening }] : []),
  ];
  const first = tail[0];
  if (first === undefined || first.role === 'assistant') {
    // The API wants the conversation to open with the user.
    return { messages: [{ role: 'user', content: head.length > 0 ? head : [{ type: 'text', text: opening }] }, ...tail], droppedMessages: start };
  }
  if (head.length === 0) return { messages: tail, droppedMessages: start };
  // The tail opens with a plain user message (tool results never do: their call is kept before them).
  return { messages: [{ role: 'user', content: [...head, ...contentBlocks(first.content)] }, ...tail.slice(1)], droppedMessages: start };
}
