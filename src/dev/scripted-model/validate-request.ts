/**
 * Request validation for the scripted model server.
 *
 * The point of the offline model is that code which passes against it also passes against the real Messages API,
 * so this module rejects the malformed requests the real API rejects with a 400, using messages close to the real
 * ones. It has two layers:
 *
 * 1. `messagesRequestSchema` (`request-schema.ts`): the shape of a request body (fields, types, content block kinds).
 * 2. Checks that a schema cannot express: tool definitions, the thinking budget and prompt-cache breakpoints here;
 *    roles, `tool_use`/`tool_result` pairing across messages, tool names against `tools` and the extended-thinking
 *    rules in `check-conversation.ts`.
 *
 * Worker/dev side only: not bundle-safe, though it imports nothing but zod and the SDK's types.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { checkConversation } from './check-conversation.js';
import { describeIssue, withPath } from './describe-issue.js';
import type { Path } from './describe-issue.js';
import { isRecord } from './is-record.js';
import { messagesRequestSchema } from './request-schema.js';
import type { MessagesRequest } from './request-schema.js';

/** Outcome of `validateMessagesRequest`: the parsed request, or the message the real API would answer with. */
export type MessagesRequestValidation = { ok: true; request: MessagesRequest } | { ok: false; message: string };

/**
 * Checks a `POST /v1/messages` body the way the real API does.
 *
 * Never throws. On failure, `message` names the offending field by its dotted path (`messages.2.content.0: …`), the
 * way the real API's `invalid_request_error` messages do, so that a test failure points at the converter bug.
 */
export function validateMessagesRequest(body: unknown): MessagesRequestValidation {
  const parsed = messagesRequestSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) {
    // The real API reports one problem at a time; a few help when several fields are wrong at once.
    const messages = parsed.error.issues.slice(0, 3).map((issue) => describeIssue(issue, []));
    return { ok: false, message: messages.join('; ') };
  }
  const problem =
    checkTools(parsed.data) ??
    checkThinkingBudget(parsed.data) ??
    checkCacheControl(parsed.data) ??
    checkConversation(parsed.data);
  return problem === undefined ? { ok: true, request: parsed.data } : { ok: false, message: problem };
}

function checkTools(request: MessagesRequest): string | undefined {
  for (const [index, tool] of (request.tools ?? []).entries()) {
    const isCustom = tool.type === undefined || tool.type === 'custom';
    if (isCustom && tool.input_schema === undefined) {
      return withPath(['tools', index, 'custom', 'input_schema'], 'Field required');
    }
  }
  return undefined;
}

function checkThinkingBudget(request: MessagesRequest): string | undefined {
  const thinking = request.thinking;
  if (thinking?.type === 'enabled' && thinking.budget_tokens >= request.max_tokens) {
    return (
      '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at ' +
      'https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size'
    );
  }
  return undefined;
}

/** The API's limit on prompt-cache breakpoints in one request. */
const maxCacheBreakpoints = 4;

const cacheControlSchema = z.strictObject({
  type: z.literal('ephemeral'),
  ttl: z.enum(['5m', '1h']).optional(),
}) satisfies z.ZodType<Anthropic.Messages.CacheControlEphemeral>;

/**
 * Prompt-cache breakpoints: each `cache_control` must be `{type: 'ephemeral', ttl?}`, thinking blocks cannot carry
 * one (the API takes them back only unaltered), and a request holds at most four.
 */
function checkCacheControl(request: MessagesRequest): string | undefined {
  const marked: { path: Path; value: unknown }[] = [];
  const collect = (path: Path, holder: unknown): void => {
    if (isRecord(holder) && holder['cache_control'] !== undefined && holder['cache_control'] !== null) {
      marked.push({ path: [...path, 'cache_control'], value: holder['cache_control'] });
    }
  };
  if (Array.isArray(request.system)) request.system.forEach((block, index) => collect(['system', index], block));
  (request.tools ?? []).forEach((tool, index) => collect(['tools', index], tool));
  for (const [messageIndex, message] of request.messages.entries()) {
    if (typeof message.content === 'string') continue;
    for (const [blockIndex, block] of message.content.entries()) {
      const path: Path = ['messages', messageIndex, 'content', blockIndex];
      if ((block.type === 'thinking' || block.type === 'redacted_thinking') && isRecord(block) && 'cache_control' in block) {
        return withPath([...path, block.type, 'cache_control'], 'Extra inputs are not permitted');
      }
      collect(path, block);
    }
  }
  for (const { path, value } of marked) {
    const parsed = cacheControlSchema.safeParse(value);
    if (!parsed.success) return describeIssue(parsed.error.issues[0]!, path);
  }
  if (marked.length > maxCacheBreakpoints) {
    return `A maximum of ${maxCacheBreakpoints} blocks with cache_control may be provided. Found ${marked.length}.`;
  }
  return undefined;
}

