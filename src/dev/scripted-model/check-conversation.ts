/**
 * The conversation rules of a Messages API request that a schema cannot express, as the scripted model server checks
 * them: roles and turns, non-empty content, `tool_use`/`tool_result` pairing across turns, tool names against
 * `tools`, and the extended-thinking rule for pending tool calls. Worker/dev side only; pure.
 */
import { withPath } from './describe-issue.js';
import type { Path } from './describe-issue.js';
import type { ContentBlockParam, MessagesRequest } from './request-schema.js';

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

/** Roles, turns, tool pairing and the thinking rule of the whole conversation: the first problem found, if any. */
export function checkConversation(request: MessagesRequest): string | undefined {
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
