/**
 * Content too large for history goes into the content store before it goes into an activity input or the carried
 * state: the large blocks of a message are replaced by stored stand-ins (`keel_ref`), which the activities restore
 * for the model. Workflow code: deterministic, talks to the store only through activities.
 */
import type { Message, MessageContent } from '../shared/schemas/content.js';
import { MAX_KEEL_PAYLOAD_BYTES } from '../shared/payload-limits.js';
import type { SessionInput } from '../shared/schemas/session-input.js';
import { hasOversizedBlocks, jsonByteLength } from '../shared/schemas/stored-block.js';
import { storeActivities } from './session-activities.js';
import type { SessionState } from './session-state.js';
import { isMessage } from './transcript-archive.js';

/** A session input larger than this goes into the next run with the large blocks of its messages stored. */
const CARRIED_INPUT_BYTES = 64 * 1024;

type Blocks = Exclude<MessageContent, string>;

/**
 * The contents with their large blocks stored, through activities whose inputs stay under the payload limit:
 * batched when small, block by block when a message alone would be too large.
 */
export async function storeContents(state: SessionState, contents: MessageContent[]): Promise<MessageContent[]> {
  const toolResultMaxBytes = state.profile?.toolResultMaxBytes;
  const options = toolResultMaxBytes !== undefined ? { toolResultMaxBytes } : {};
  // Items: whole contents, or single blocks of a content too large to send whole.
  const items: { content: MessageContent; owner: number; block?: number }[] = [];
  contents.forEach((content, owner) => {
    if (typeof content !== 'string' && jsonByteLength(content) > MAX_KEEL_PAYLOAD_BYTES) {
      content.forEach((block, index) => items.push({ content: [block], owner, block: index }));
    } else items.push({ content, owner });
  });
  const results: MessageContent[] = [];
  let batch: MessageContent[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    results.push(...(await storeActivities.storeContent({ contents: batch, ...options })));
    batch = [];
    batchBytes = 0;
  };
  for (const item of items) {
    const bytes = jsonByteLength(item.content);
    if (batchBytes + bytes > MAX_KEEL_PAYLOAD_BYTES) await flush();
    batch.push(item.content);
    batchBytes += bytes;
  }
  await flush();
  const stored: MessageContent[] = contents.map((content) => (typeof content === 'string' ? content : [...content]));
  items.forEach((item, index) => {
    const result = results[index];
    if (item.block === undefined) stored[item.owner] = result;
    else (stored[item.owner] as Blocks)[item.block] = (result as Blocks)[0];
  });
  // A message made of many medium blocks may still be over its limit: store it again, whole, now that it is smaller.
  const again = stored.map((content, index) => ({ content, index })).filter(({ content }) => hasOversizedBlocks(content));
  if (again.length > 0) {
    const second = await storeActivities.storeContent({ contents: again.map(({ content }) => content), ...options });
    again.forEach(({ index }, position) => (stored[index] = second[position]));
  }
  return stored;
}

/** Stores the large content of these messages and puts the stored blocks in their transcript entries. */
export async function storeMessages(state: SessionState, messages: Message[]): Promise<void> {
  const targets = messages.filter((message) => hasOversizedBlocks(message.content));
  if (targets.length === 0) return;
  const stored = await storeContents(state, targets.map((message) => message.content));
  targets.forEach((message, index) => {
    // modelMessages() hands out the entries' own content, so the entry is found by identity; a message that is not
    // an entry (a context policy may build some) is updated where it is.
    const entry = state.transcript.find((candidate) => isMessage(candidate) && candidate.content === message.content);
    if (entry && isMessage(entry)) entry.content = stored[index];
    message.content = stored[index];
  });
}

/** Stores the large content of the queued messages in place. */
export async function storeQueued(state: SessionState): Promise<void> {
  const queued = state.queue.filter((message) => hasOversizedBlocks(message.content));
  if (queued.length === 0) return;
  const stored = await storeContents(state, queued.map((message) => message.content));
  queued.forEach((message, index) => (message.content = stored[index]));
}

/**
 * The input for the next run: the same, with the large blocks of its opening messages stored (they stay whole for
 * the model, and for a context reset that keeps the task), so that each run does not carry them again.
 */
export async function storedInput(state: SessionState, input: SessionInput): Promise<SessionInput> {
  if (jsonByteLength(input) <= CARRIED_INPUT_BYTES || !input.messages.some((message) => hasOversizedBlocks(message.content))) return input;
  const stored = await storeContents(state, input.messages.map((message) => message.content));
  return { ...input, messages: input.messages.map((message, index) => ({ role: message.role, content: stored[index] })) };
}
