/**
 * Puts stored blocks back: for the model (tool results cut to the profile's limit, with a note naming the stored
 * output and the tool that pages through it) and for people (everything whole). Worker- and client-side.
 */
import type { ContentBlock, Message, MessageContent } from '../shared/schemas/content.js';
import { formatHash, storedRefOf, utf8ByteLength, type BlobRef } from '../shared/schemas/transcript-ref.js';
import type { ContentStore } from '../stores/content-store.js';
import { cutText, textOfBlock } from './store-content.js';

/** What the model sees of a tool result when the profile says nothing, bytes. */
export const DEFAULT_TOOL_RESULT_MAX_BYTES = 50_000;

/** The name of the built-in tool that pages through stored output. */
export const READ_OUTPUT_TOOL = 'read_output';

/** The original of a block: the stored block resolved, any other block as it is. */
export async function resolveBlock(store: ContentStore, block: ContentBlock): Promise<ContentBlock> {
  const ref = storedRefOf(block);
  return ref ? store.getJson<ContentBlock>(ref.hash) : block;
}

/** The content with every stored block resolved to its original. @throws StoreError */
export async function resolveContent(store: ContentStore, content: MessageContent): Promise<MessageContent> {
  if (typeof content === 'string') return content;
  return Promise.all(content.map((block) => resolveBlock(store, block)));
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, in characters. */
function charactersWithin(text: string, maxBytes: number): number {
  if (utf8ByteLength(text) <= maxBytes) return text.length;
  let low = 0;
  let high = Math.min(text.length, maxBytes);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (utf8ByteLength(text.slice(0, middle)) <= maxBytes) low = middle;
    else high = middle - 1;
  }
  return cutText(text, low).length;
}

/**
 * A tool result as the model sees it: whole when its text fits in `maxBytes`, else cut there with a note saying how
 * much was shown and how to read on. The full result is stored (it is already, when `ref` is given).
 */
export async function cutToolResult(store: ContentStore, block: ContentBlock, maxBytes: number, ref?: BlobRef): Promise<ContentBlock> {
  const original = block as Record<string, unknown>;
  const text = textOfBlock(original);
  if (utf8ByteLength(text) <= maxBytes) return block;
  const stored = ref ?? (await store.putJson(block));
  const shown = charactersWithin(text, maxBytes);
  const noteText =
    `[output cut: the first ${shown} of ${text.length} characters are shown. The full output is stored as ` +
    `${formatHash(stored.hash)}; call ${READ_OUTPUT_TOOL} with {"ref": "${formatHash(stored.hash)}", "offset": ${shown}} to read on.]`;
  const others = Array.isArray(original.content)
    ? (original.content as Record<string, unknown>[]).filter((part) => part.type !== 'text')
    : [];
  return {
    ...(block as Record<string, unknown>),
    content: [{ type: 'text', text: `${text.slice(0, shown)}\n\n${noteText}` }, ...others],
  } as ContentBlock;
}

export interface RestoreForModelOptions {
  /** What the model sees of one tool result, bytes. @default {@link DEFAULT_TOOL_RESULT_MAX_BYTES} */
  toolResultMaxBytes?: number;
}

/**
 * The messages as the model must see them: stored blocks resolved, tool results cut to the limit. Deterministic for
 * the same input, so prompt caching keeps working. @throws StoreError
 */
export async function restoreForModel(store: ContentStore, messages: Message[], options: RestoreForModelOptions = {}): Promise<Message[]> {
  const maxBytes = options.toolResultMaxBytes ?? DEFAULT_TOOL_RESULT_MAX_BYTES;
  return Promise.all(
    messages.map(async (message) => {
      if (typeof message.content === 'string') return message;
      const content = await Promise.all(
        message.content.map(async (block) => {
          const ref = storedRefOf(block);
          const original = ref ? await store.getJson<ContentBlock>(ref.hash) : block;
          return original.type === 'tool_result' ? cutToolResult(store, original, maxBytes, ref) : original;
        }),
      );
      return { role: message.role, content };
    }),
  );
}
