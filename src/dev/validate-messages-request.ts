/**
 * Request validation for the scripted model server (`src/dev/scripted-model-server.ts`).
 *
 * The point of the offline model is that code which passes against it also passes against the real Messages API,
 * so this module rejects the malformed requests the real API rejects with a 400, using messages close to the real
 * ones. It has two layers:
 *
 * 1. `messagesRequestSchema`: the shape of a request body (fields, types, content block kinds).
 * 2. Conversation checks that a schema cannot express: roles, `tool_use`/`tool_result` pairing across messages,
 *    tool names against `tools`, and the extended-thinking rules.
 *
 * Unknown top-level fields are allowed (the real API rejects them, but the SDK adds new ones faster than this file
 * would follow). Worker-side only: not bundle-safe, though it imports nothing but zod.
 */
import { z } from 'zod';

const textBlockParamSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

const toolUseBlockParamSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});

const toolResultBlockParamSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  is_error: z.boolean().optional(),
});

/** Block types the API accepts that Keel never produces; only their tag is checked. */
const serverContentBlockTypes = [
  'search_result',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'container_upload',
] as const;

/** A content block inside `messages[].content`, as accepted by the real API. */
export const contentBlockParamSchema = z.discriminatedUnion('type', [
  textBlockParamSchema,
  z.looseObject({ type: z.literal('image'), source: z.looseObject({ type: z.string() }) }),
  z.looseObject({ type: z.literal('document'), source: z.looseObject({ type: z.string() }) }),
  toolUseBlockParamSchema,
  toolResultBlockParamSchema,
  // The API needs the signature to verify that thinking it produced comes back unaltered, so it is required
  // whether or not thinking is enabled on this request.
  z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
  z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() }),
  z.looseObject({ type: z.enum(serverContentBlockTypes) }),
]);

const messageContentSchema = z.union([z.string(), z.array(contentBlockParamSchema)]);

const messageParamSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('user'), content: messageContentSchema }),
  z.looseObject({ role: z.literal('assistant'), content: messageContentSchema }),
  z.looseObject({ role: z.literal('system'), content: z.union([z.string(), z.array(textBlockParamSchema)]) }),
]);

/**
 * A tool definition. Custom tools (no `type`, or `type: 'custom'`) need an object `input_schema`; server tools such
 * as `bash_20250124` carry only a versioned `type` and a `name`. That split is checked in `checkTools`, because the
 * server tool types are too many and too new to list here.
 */
const toolSchema = z.looseObject({
  type: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }).optional(),
});

const thinkingConfigSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024) }),
  z.looseObject({ type: z.literal('disabled') }),
  z.looseObject({ type: z.literal('adaptive') }),
  z.looseObject({ type: z.literal('between_tools') }),
]);

/** The body of `POST /v1/messages`, as far as the scripted model server checks it. */
export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(messageParamSchema).min(1),
  system: z.union([z.string(), z.array(textBlockParamSchema)]).optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: z.looseObject({ type: z.string() }).optional(),
  thinking: thinkingConfigSchema.optional(),
  stream: z.boolean().optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  metadata: z.looseObject({}).optional(),
});

/** A request body that passed `messagesRequestSchema` (not necessarily the conversation checks). */
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
/** One content block of a message in a `MessagesRequest`. */
export type ContentBlockParam = z.infer<typeof contentBlockParamSchema>;

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

type Path = readonly PropertyKey[];

function withPath(path: Path, message: string): string {
  return path.length === 0 ? message : `${path.map(String).join('.')}: ${message}`;
}

/** Renders a zod issue in the wording of the API's (pydantic-based) validation errors. */
function describeIssue(issue: z.core.$ZodIssue, prefix: Path): string {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'invalid_type': {
      // A JSON body cannot carry `undefined`, so an undefined input means the field was absent.
      if (issue.input === undefined) return withPath(path, 'Field required');
      return withPath(path, `Input should be a valid ${typeNames[issue.expected] ?? issue.expected}`);
    }
    case 'invalid_union': {
      // A discriminated union whose tag matched no option: name the tag, as pydantic does.
      if (issue.discriminator !== undefined && 'options' in issue && issue.errors.length === 0) {
        const tag = issue.path.at(-1) ?? issue.discriminator;
        const found = isRecord(issue.input) ? issue.input[String(tag)] : undefined;
        const expected = (issue.options ?? []).map((option) => `'${String(option)}'`).join(', ');
        return withPath(
          path,
          `Input tag '${String(found)}' found using '${String(tag)}' ` +
            `does not match any of the expected tags: ${expected}`,
        );
      }
      // For `string | block[]` the interesting failure is the one that got furthest into the input; failures at the
      // union's own level mean no alternative fit at all.
      const branches = issue.errors.filter((branch) => branch.length > 0);
      const deepest = branches.reduce<z.core.$ZodIssue[] | undefined>(
        (best, branch) => (best === undefined || branch[0]!.path.length > best[0]!.path.length ? branch : best),
        undefined,
      );
      if (deepest !== undefined && deepest[0]!.path.length > 0) return describeIssue(deepest[0]!, path);
      const alternatives = branches.map((branch) => describeExpected(branch[0]!)).join(' or ');
      return withPath(path, alternatives ? `Input should be ${alternatives}` : 'Invalid input');
    }
    case 'too_small': {
      if (issue.origin === 'array') return withPath(path, `List should have at least ${issue.minimum} item(s)`);
      if (issue.origin === 'string') return withPath(path, `String should have at least ${issue.minimum} character(s)`);
      return withPath(path, `Input should be greater than or equal to ${issue.minimum}`);
    }
    case 'too_big':
      return withPath(path, `Input should be less than or equal to ${issue.maximum}`);
    case 'invalid_value':
      return withPath(path, `Input should be ${issue.values.map((value) => `'${String(value)}'`).join(' or ')}`);
    default:
      return withPath(path, issue.message);
  }
}

const typeNames: Record<string, string> = {
  array: 'list',
  object: 'dictionary',
  record: 'dictionary',
  int: 'integer',
  string: 'string',
  number: 'number',
  boolean: 'boolean',
};

function describeExpected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return `a valid ${typeNames[issue.expected] ?? issue.expected}`;
  return 'valid';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

const cacheControlSchema = z.strictObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() });

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

/** A block together with the index of the message it came from, for error paths. */
type LocatedBlock = { messageIndex: number; blockIndex: number; block: ContentBlockParam };

/**
 * A run of consecutive same-role messages. The real API accepts consecutive `user` (or `assistant`) messages and
 * merges them into one turn, so pairing rules apply between turns rather than between array neighbours.
 */
type Turn = { role: 'user' | 'assistant'; firstMessageIndex: number; blocks: LocatedBlock[] };

function toTurns(request: MessagesRequest): Turn[] {
  const turns: Turn[] = [];
  for (const [messageIndex, message] of request.messages.entries()) {
    // `system` messages carry instructions, not conversation; they do not split or join turns.
    if (message.role === 'system') continue;
    const blocks: LocatedBlock[] =
      typeof message.content === 'string'
        ? [{ messageIndex, blockIndex: 0, block: { type: 'text', text: message.content } }]
        : message.content.map((block, blockIndex) => ({ messageIndex, blockIndex, block }));
    const previous = turns.at(-1);
    if (previous?.role === message.role) previous.blocks.push(...blocks);
    else turns.push({ role: message.role, firstMessageIndex: messageIndex, blocks });
  }
  return turns;
}

function blockPath(located: LocatedBlock): Path {
  return ['messages', located.messageIndex, 'content', located.blockIndex];
}

function toolUses(turn: Turn | undefined): LocatedBlock[] {
  return turn?.role === 'assistant' ? turn.blocks.filter((located) => located.block.type === 'tool_use') : [];
}

function toolUseId(located: LocatedBlock): string {
  return located.block.type === 'tool_use' ? located.block.id : '';
}

const assistantOnlyBlockTypes = new Set(['tool_use', 'thinking', 'redacted_thinking', 'server_tool_use']);

function checkConversation(request: MessagesRequest): string | undefined {
  const turns = toTurns(request);
  if (turns.length === 0 || turns[0]!.role !== 'user') return 'messages: first message must use the "user" role';

  // The API lets a final assistant message be empty (a prefill); anything else must say something.
  for (const [messageIndex, message] of request.messages.entries()) {
    const isFinalAssistant = messageIndex === request.messages.length - 1 && message.role === 'assistant';
    if (message.content.length === 0 && !isFinalAssistant) {
      return withPath(
        ['messages', messageIndex],
        'all messages must have non-empty content except for the optional final assistant message',
      );
    }
  }

  const toolNames = new Set((request.tools ?? []).map((tool) => tool.name));
  const hasTools = toolNames.size > 0;
  const seenToolUseIds = new Set<string>();
  for (const [turnIndex, turn] of turns.entries()) {
    const problem =
      checkBlocks(turn, toolNames, seenToolUseIds, hasTools) ??
      (turn.role === 'user' ? checkToolResultsAnswer(turns[turnIndex - 1], turn) : undefined);
    if (problem !== undefined) return problem;
  }
  return checkThinkingPrecedesToolUse(request, turns);
}

function checkBlocks(
  turn: Turn,
  toolNames: Set<string>,
  seenToolUseIds: Set<string>,
  hasTools: boolean,
): string | undefined {
  let sawNonToolResult = false;
  for (const located of turn.blocks) {
    const { block } = located;
    if (turn.role === 'user' && assistantOnlyBlockTypes.has(block.type)) {
      return withPath(blockPath(located), `\`${block.type}\` blocks can only be in \`assistant\` messages`);
    }
    if (turn.role === 'assistant' && block.type === 'tool_result') {
      return withPath(blockPath(located), '`tool_result` blocks can only be in `user` messages');
    }
    if (block.type === 'text' && block.text.length === 0) {
      return withPath([...blockPath(located), 'text'], 'text content blocks must be non-empty');
    }
    if (block.type === 'tool_result') {
      if (sawNonToolResult) {
        const message = '`tool_result` blocks must come before any other content in a `user` message';
        return withPath(blockPath(located), message);
      }
      if (!hasTools) return 'Requests which include `tool_use` or `tool_result` blocks must define tools.';
    } else {
      sawNonToolResult = true;
    }
    if (block.type === 'tool_use') {
      if (!hasTools) return 'Requests which include `tool_use` or `tool_result` blocks must define tools.';
      if (seenToolUseIds.has(block.id)) {
        return withPath(blockPath(located), `\`tool_use\` ids must be unique: ${block.id}`);
      }
      seenToolUseIds.add(block.id);
      if (!toolNames.has(block.name)) {
        return withPath(blockPath(located), `tool_use name \`${block.name}\` does not match any tool in \`tools\``);
      }
    }
  }
  return undefined;
}

/**
 * Every `tool_result` must answer a `tool_use` of the assistant turn just before it, and every `tool_use` of that
 * turn must be answered here: a dropped or duplicated tool call in a transcript is the classic converter bug.
 */
function checkToolResultsAnswer(previous: Turn | undefined, turn: Turn): string | undefined {
  const asked = toolUses(previous);
  const askedIds = new Set(asked.map(toolUseId));
  const answeredIds = new Set<string>();
  for (const located of turn.blocks) {
    if (located.block.type !== 'tool_result') continue;
    if (!askedIds.has(located.block.tool_use_id)) {
      return withPath(
        blockPath(located),
        `unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${located.block.tool_use_id}. ` +
          'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
      );
    }
    answeredIds.add(located.block.tool_use_id);
  }
  const unanswered = asked.map(toolUseId).filter((id) => !answeredIds.has(id));
  if (previous !== undefined && unanswered.length > 0) {
    return withPath(
      ['messages', asked[0]!.messageIndex],
      `\`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. ` +
        'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    );
  }
  return undefined;
}

/**
 * With `thinking: {type: 'enabled'}`, the API must see the thinking that led to the pending tool calls, so the last
 * assistant turn, if it used tools, has to start with the (signed) thinking block it was generated with. Adapters
 * that drop thinking blocks from the transcript fail here exactly as they would against the real API.
 */
function checkThinkingPrecedesToolUse(request: MessagesRequest, turns: Turn[]): string | undefined {
  if (request.thinking?.type !== 'enabled') return undefined;
  const lastAssistant = [...turns].reverse().find((turn) => turn.role === 'assistant');
  if (lastAssistant === undefined || toolUses(lastAssistant).length === 0) return undefined;
  const first = lastAssistant.blocks[0]!;
  if (first.block.type === 'thinking' || first.block.type === 'redacted_thinking') return undefined;
  return withPath(
    [...blockPath(first), 'type'],
    `Expected \`thinking\` or \`redacted_thinking\`, but found \`${first.block.type}\`. ` +
      // Wording (including the API's own typo) kept verbatim, so logs read the same as against the real API.
      'When `thinking` is enabled, a final `assistant` message must start with a thinking block ' +
      '(preceeding the lastmost set of `tool_use` and `tool_result` blocks). ' +
      'We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. ' +
      'Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking',
  );
}
