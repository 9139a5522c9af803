/**
 * What the Messages API refuses in a conversation, checked where content enters a session (the start input's
 * `messages`, `sendMessage`, `userMessage`), so that a client's content can never make a model call fail with a 400
 * (or, worse, every model call after it). The rules follow the API's (see src/dev/validate-messages-request.ts, the
 * offline model's copy of them): non-empty content and text, blocks only in the role that may send them,
 * `tool_result` answering exactly the previous assistant turn's `tool_use`, results before other content.
 * Bundle-safe.
 */
import type { ContentBlock, Message, MessageContent } from './content.js';
import { contentBlocks } from './content.js';
import { STORED_REF_FIELD } from './stored-block.js';

/** A problem found, with the path of the offending value. */
export interface ContentProblem {
  path: (string | number)[];
  message: string;
}

const assistantOnlyBlockTypes = new Set(['tool_use', 'thinking', 'redacted_thinking', 'server_tool_use']);

function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

/** The first problem of one block in a message of `role`, without regard to its neighbours. */
function blockProblem(block: ContentBlock, role: Message['role'], allowStoredRefs: boolean): string | undefined {
  const fields = block as Record<string, unknown>;
  if (!allowStoredRefs && fields[STORED_REF_FIELD] !== undefined) {
    return `\`${STORED_REF_FIELD}\` marks a block Keel stored itself; send the content itself instead`;
  }
  if (role === 'user' && assistantOnlyBlockTypes.has(block.type)) return `\`${block.type}\` blocks can only be in assistant messages`;
  if (role === 'assistant' && block.type === 'tool_result') return '`tool_result` blocks can only be in user messages';
  if (block.type === 'text' && isBlank(block.text)) return 'text must not be empty or only whitespace';
  if (block.type === 'image' || block.type === 'document') {
    const source = fields['source'];
    if (typeof source !== 'object' || source === null || typeof (source as { type?: unknown }).type !== 'string') {
      return `a \`${block.type}\` block needs a \`source\` object with a \`type\``;
    }
  }
  return undefined;
}

/**
 * The first problem of the content of a message a client sends into a running session (`sendMessage`,
 * `userMessage`): it joins the conversation as a user turn, after whatever Keel put there, so it may hold no
 * `tool_result` (Keel answers the model's tool calls itself; a client's would answer none, or one twice) and no
 * stored block of Keel's (`keel_ref`).
 */
export function userContentProblem(content: MessageContent): ContentProblem | undefined {
  if (typeof content === 'string') return isBlank(content) ? { path: [], message: 'the message must not be empty or only whitespace' } : undefined;
  for (const [index, block] of content.entries()) {
    if (block.type === 'tool_result') {
      return { path: [index], message: 'a `tool_result` answers a tool call, and Keel answers those itself: a message from a client cannot carry one' };
    }
    const problem = blockProblem(block, 'user', false);
    if (problem) return { path: [index], message: problem };
  }
  return undefined;
}

interface LocatedBlock {
  path: (string | number)[];
  block: ContentBlock;
}

/** Consecutive messages of one role, which the API takes as one turn. */
interface Turn {
  role: Message['role'];
  blocks: LocatedBlock[];
}

function turnsOf(messages: Message[]): Turn[] {
  const turns: Turn[] = [];
  for (const [messageIndex, message] of messages.entries()) {
    const blocks = contentBlocks(message.content).map((block, blockIndex) => ({ path: [messageIndex, 'content', blockIndex], block }));
    const last = turns.at(-1);
    if (last?.role === message.role) last.blocks.push(...blocks);
    else turns.push({ role: message.role, blocks });
  }
  return turns;
}

function toolUseIds(turn: Turn | undefined): string[] {
  if (turn?.role !== 'assistant') return [];
  return turn.blocks.flatMap(({ block }) => (block.type === 'tool_use' ? [block.id] : []));
}

/**
 * The first problem of a whole conversation, as the start input's `messages` carry it. Stored blocks are allowed
 * (a fork starts from its source's transcript).
 */
export function conversationProblem(messages: Message[]): ContentProblem | undefined {
  // No messages at all is the schema's to report.
  if (messages.length === 0) return undefined;
  if (messages[0]!.role !== 'user') return { path: [0, 'role'], message: 'the first message must be a user message' };
  for (const [index, message] of messages.entries()) {
    const empty = typeof message.content === 'string' ? isBlank(message.content) : message.content.length === 0;
    if (empty) return { path: [index, 'content'], message: 'content must not be empty or only whitespace' };
  }
  const seenToolUseIds = new Set<string>();
  const turns = turnsOf(messages);
  for (const [turnIndex, turn] of turns.entries()) {
    const asked = new Set(toolUseIds(turns[turnIndex - 1]));
    let sawOtherContent = false;
    for (const { path, block } of turn.blocks) {
      const problem = blockProblem(block, turn.role, true);
      if (problem) return { path, message: problem };
      if (block.type === 'tool_use') {
        if (seenToolUseIds.has(block.id)) return { path, message: `tool_use ids must be unique: ${block.id}` };
        seenToolUseIds.add(block.id);
      } else if (block.type === 'tool_result') {
        if (sawOtherContent) return { path, message: '`tool_result` blocks must come before any other content of a user message' };
        if (!asked.delete(block.tool_use_id)) {
          return { path, message: `\`tool_result\` ${block.tool_use_id} answers no open tool call of the assistant message before it` };
        }
      } else sawOtherContent = true;
    }
    if (turn.role === 'user' && asked.size > 0) {
      return { path: turn.blocks[0]!.path.slice(0, 1), message: `tool calls without results here: ${[...asked].join(', ')}` };
    }
  }
  const open = toolUseIds(turns.at(-1));
  if (open.length > 0) return { path: [messages.length - 1], message: `the last message asks for tools that no result answers: ${open.join(', ')}` };
  return undefined;
}
