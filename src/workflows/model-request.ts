/**
 * Builds the model activity's request from the active profile: model id, output budget, extended thinking, prompt
 * cache breakpoints and sampling settings all come from configuration. Pure and deterministic (workflow code).
 */
import type { Message } from '../shared/schemas/content.js';
import type { ModelCallRequest, ToolSpec } from '../shared/schemas/model-call.js';
import { isWorkerDefaultProvider } from '../shared/schemas/model-provider.js';
import type { ResolvedProfile, ThinkingConfig } from '../shared/schemas/profile.js';

/** What a call is about, apart from the profile. */
export interface ModelRequestContext {
  sessionId: string;
  turn: number;
  system?: string | undefined;
  messages: Message[];
  tools: ToolSpec[];
}

const thinkingBlockTypes = new Set(['thinking', 'redacted_thinking']);

/**
 * The thinking setting for one call. With thinking on, the API requires the last assistant message, when it called
 * tools, to open with the thinking block it was generated with. A tool loop that began without thinking (the
 * profile changed through failover, or the message came from the session's input) cannot gain it midway, so such a
 * call goes without thinking; the next loop has it again.
 */
export function thinkingForCall(thinking: ThinkingConfig, messages: readonly Message[]): ModelCallRequest['thinking'] {
  if (thinking.type === 'disabled') return undefined;
  const lastAssistant = [...messages].reverse().find((message) => message.role === 'assistant');
  if (lastAssistant && typeof lastAssistant.content !== 'string') {
    const callsTools = lastAssistant.content.some((block) => block.type === 'tool_use');
    const first = lastAssistant.content[0];
    if (callsTools && (first === undefined || !thinkingBlockTypes.has(first.type))) return undefined;
  }
  if (thinking.type === 'enabled') {
    return { type: 'enabled', budgetTokens: thinking.budgetTokens, ...(thinking.display ? { display: thinking.display } : {}) };
  }
  return { type: 'adaptive', ...(thinking.display ? { display: thinking.display } : {}) };
}

/** A conversation turn's request under `profile`. */
export function buildModelRequest(profile: ResolvedProfile, context: ModelRequestContext): ModelCallRequest {
  const thinking = thinkingForCall(profile.thinking, context.messages);
  return {
    sessionId: context.sessionId,
    turn: context.turn,
    model: profile.model,
    // Named only when it is not the worker's default, so a call on Anthropic's API reads as it always has.
    ...(isWorkerDefaultProvider(profile.provider) ? {} : { provider: profile.provider }),
    maxOutputTokens: profile.maxOutputTokens,
    ...(context.system !== undefined ? { system: context.system } : {}),
    messages: context.messages,
    tools: context.tools,
    ...(thinking ? { thinking } : {}),
    ...(profile.promptCaching.enabled ? { cache: { breakpoints: profile.promptCaching.breakpoints, ttl: profile.promptCaching.ttl } } : {}),
    ...(profile.sampling.stopSequences ? { stopSequences: profile.sampling.stopSequences } : {}),
    ...(profile.sampling.effort ? { effort: profile.sampling.effort } : {}),
  };
}

/**
 * The summarising call of a context compaction: the same system prompt, tools and cache breakpoints as a turn (so
 * the cached prefix is read, not written again), no thinking, no tool calls, and the policy's output budget.
 */
export function buildSummaryRequest(profile: ResolvedProfile, context: ModelRequestContext): ModelCallRequest {
  const request = buildModelRequest(profile, context);
  delete request.thinking;
  delete request.stopSequences;
  return {
    ...request,
    maxOutputTokens: profile.contextPolicy.summaryMaxOutputTokens ?? profile.maxOutputTokens,
    // The workflow reads the summary's text: it must come back whole, not stored by reference.
    inlineReply: true,
    ...(context.tools.length > 0 ? { toolChoice: 'none' as const } : {}),
  };
}
