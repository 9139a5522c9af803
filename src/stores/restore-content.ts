/**
 * Puts stored blocks back: for the model (tool results cut to the profile's limit, with a note naming the stored
 * output and the tool that pages through it) and for people (everything whole). Worker- and client-side.
 */
import type { ContentBlock, Message, MessageContent } from '../shared/schemas/content.js';
import { formatHash, storedRefOf, utf8ByteLength, type BlobRef } from '../shared/schemas/stored-block.js';
import type { JsonStore } from './content-store.js';
import { cutText, textOfBlock } from './store-content.js';

/** What the model sees of a tool result when the profile says nothing, bytes. */
export const DEFAULT_TOOL_RESULT_MAX_BYTES = 50_000;

/** The name of the built-in tool that pages through stored output. */
export const READ_OUTPUT_TOOL = 'read_output';

/** The original of a block: the stored block resolved, any other block as it is. */
export async function resolveBlock(store: JsonStore, block: ContentBlock): Promise<ContentBlock> {
  const ref = storedRefOf(block);
  return ref ? store.getJson<ContentBlock>(ref.hash) : block;
}

/** The content with every stored block resolved to its original. @throws StoreError */
export async function resolveContent(store: JsonStore, content: MessageContent): Promise<MessageContent> {
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

/** Of what a cut tool result shows, the share taken from its head; the rest comes from its tail (errors come last). */
const HEAD_SHARE = 0.7;

/**
 * A tool result as the model sees it: whole when its text fits in `maxBytes`, else its head and its tail with a note
 * in between saying what was cut and how to read it (`read_output` at the offset of the cut). The full result is
 * stored (it is already, when `ref` is given). A string result stays a string.
 */
export async function cutToolResult(store: JsonStore, block: ContentBlock, maxBytes: number, ref?: BlobRef): Promise<ContentBlock> {
  const original = block as Record<string, unknown>;
  const text = textOfBlock(original);
  if (utf8ByteLength(text) <= maxBytes) return block;
  const stored = ref ?? (await store.putJson(block));
  const headLength = charactersWithin(text, Math.floor(maxBytes * HEAD_SHARE));
  const tailBudget = maxBytes - utf8ByteLength(text.slice(0, headLength));
  // The tail: the longest end of the text within the rest of the budget, not overlapping the head.
  let tailStart = text.length;
  let low = headLength;
  let high = text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (utf8ByteLength(text.slice(middle)) <= tailBudget) high = middle;
    else low = middle + 1;
  }
  tailStart = low;
  const code = text.charCodeAt(tailStart);
  if (code >= 0xdc00 && code <= 0xdfff) tailStart += 1;
  const cut = tailStart - headLength;
  const reference = formatHash(stored.hash);
  const note =
    `\n\n[... ${cut} characters cut (characters ${headLength}-${tailStart} of ${text.length}). The full output is stored as ` +
    `${reference}; call ${READ_OUTPUT_TOOL} with {"ref": "${reference}", "offset": ${headLength}} to read them ...]\n\n`;
  const shown = `${text.slice(0, headLength)}${note}${text.slice(tailStart)}`;
  if (typeof original.content === 'string' || original.content === undefined) return { ...original, content: shown } as ContentBlock;
  const others = (original.content as Record<string, unknown>[]).filter((part) => part.type !== 'text');
  return { ...original, content: [{ type: 'text', text: shown }, ...others] } as ContentBlock;
}

export interface RestoreForModelOptions {
  /** What the model sees of one tool result, bytes. @default {@link DEFAULT_TOOL_RESULT_MAX_BYTES} */
  toolResultMaxBytes?: number;
}

/**
 * The messages as the model must see them: stored blocks resolved, tool results cut to the limit. Deterministic for
 * the same input, so prompt caching keeps working. @throws StoreError
 */
export async function restoreForModel(store: JsonStore, messages: Message[], options: RestoreForModelOptions = {}): Promise<Message[]> {
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
