/**
 * Moves large content blocks into the content store, leaving stored blocks (preview, note and `keel_ref`) in their
 * place, so that what enters workflow history stays small. Worker-side.
 */
import type { ContentBlock, MessageContent } from '../shared/schemas/content.js';
import {
  INLINE_BLOCK_BYTES,
  INLINE_MESSAGE_BYTES,
  MIN_STORED_BLOCK_BYTES,
  PREVIEW_CHARACTERS,
  STORED_REF_FIELD,
  formatHash,
  jsonByteLength,
  storedRefOf,
  utf8ByteLength,
  type BlobRef,
} from '../shared/schemas/stored-block.js';
import type { JsonStore } from './content-store.js';

/** The first `characters` of a text, never splitting a surrogate pair. */
export function cutText(text: string, characters: number): string {
  if (text.length <= characters) return text;
  const code = text.charCodeAt(characters - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? characters - 1 : characters);
}

/** The readable text of a block: what `read_output` pages through and what a preview shows. */
export function textOfBlock(block: Record<string, unknown>): string {
  switch (block.type) {
    case 'text':
      return String(block.text ?? '');
    case 'thinking':
      return String(block.thinking ?? '');
    case 'tool_result': {
      const content = block.content;
      if (typeof content === 'string') return content;
      if (!Array.isArray(content)) return '';
      return content
        .map((part: Record<string, unknown>) => (part.type === 'text' ? String(part.text ?? '') : `[${String(part.type)}]`))
        .join('\n');
    }
    case 'tool_use':
      return JSON.stringify(block.input ?? {});
    default:
      return JSON.stringify(block);
  }
}

function note(ref: BlobRef, shownCharacters: number): string {
  return `[stored by reference: ${ref.bytes} bytes as ${formatHash(ref.hash)}; the first ${shownCharacters} characters are shown]`;
}

/** The stored block that stands for `block` in workflow state. */
export function storedBlockFor(block: ContentBlock, ref: BlobRef): ContentBlock {
  const original = block as Record<string, unknown>;
  const text = textOfBlock(original);
  const preview = cutText(text, PREVIEW_CHARACTERS);
  const shown = `${preview}${preview.length < text.length ? '…' : ''}\n${note(ref, preview.length)}`;
  const marker = { [STORED_REF_FIELD]: ref };
  switch (block.type) {
    case 'text':
      return { type: 'text', text: shown, ...marker };
    case 'thinking':
      return { type: 'thinking', thinking: shown, ...marker };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: '', ...marker };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: {}, ...marker };
    case 'tool_result':
      return {
        type: 'tool_result',
        tool_use_id: block.tool_use_id,
        content: shown,
        ...(block.is_error !== undefined ? { is_error: block.is_error } : {}),
        ...marker,
      };
    default:
      return { type: block.type, ...marker } as ContentBlock;
  }
}

export interface StoreContentOptions {
  /** Tool results larger than this are stored too (the profile's limit on what the model sees). */
  toolResultMaxBytes?: number;
}

/**
 * The content with every block over the inline limits stored and replaced by a stored block. Blocks that already
 * are stored blocks stay as they are. A string longer than a block's limit becomes one stored text block.
 * @throws StoreError when the store cannot be written.
 */
export async function storeContent(store: JsonStore, content: MessageContent, options: StoreContentOptions = {}): Promise<MessageContent> {
  if (typeof content === 'string') {
    if (utf8ByteLength(content) <= INLINE_BLOCK_BYTES) return content;
    const block: ContentBlock = { type: 'text', text: content };
    return [storedBlockFor(block, await store.putJson(block))];
  }
  const toolResultLimit = Math.min(INLINE_BLOCK_BYTES, options.toolResultMaxBytes ?? INLINE_BLOCK_BYTES);
  const blocks = [...content];
  const sizes = blocks.map((block) => jsonByteLength(block));
  const storeAt = async (index: number): Promise<void> => {
    const block = blocks[index];
    blocks[index] = storedBlockFor(block, await store.putJson(block));
    sizes[index] = jsonByteLength(blocks[index]);
  };
  for (let index = 0; index < blocks.length; index += 1) {
    if (storedRefOf(blocks[index])) continue;
    const limit = blocks[index].type === 'tool_result' ? toolResultLimit : INLINE_BLOCK_BYTES;
    if (sizes[index] > limit) await storeAt(index);
  }
  // Many medium blocks can still add up: store the largest until the message fits.
  for (;;) {
    const total = sizes.reduce((sum, size) => sum + size, 0);
    if (total <= INLINE_MESSAGE_BYTES) break;
    let largest = -1;
    for (let index = 0; index < blocks.length; index += 1) {
      if (storedRefOf(blocks[index]) || sizes[index] <= MIN_STORED_BLOCK_BYTES) continue;
      if (largest < 0 || sizes[index] > sizes[largest]) largest = index;
    }
    if (largest < 0) break;
    await storeAt(largest);
  }
  return blocks;
}
