/**
 * References to content kept in the worker's content store instead of in workflow history. Bundle-safe.
 *
 * A content block whose serialized size passes {@link INLINE_BLOCK_BYTES} is stored whole (content-addressed: the
 * address is the sha256 of its stored bytes) and replaced in workflow state by a *stored block*: the same block
 * type with its large field cut to a preview and a note, plus a `keel_ref` field naming the stored original. The
 * model activity puts the original back before the model sees it; `transcript` and `sendMessage` answers carry the
 * stored block, which a client resolves through the store (`SessionClient`'s `store` option).
 */
import { z } from 'zod';
import { stringMatching } from './string-matching.js';
import type { ContentBlock, MessageContent } from './content.js';

/** Blocks larger than this (serialized JSON, UTF-8 bytes) are stored by reference. */
export const INLINE_BLOCK_BYTES = 8 * 1024;

/** Characters of a stored block's text kept inline as its preview. */
export const PREVIEW_CHARACTERS = 500;

/** A message whose blocks add up to more than this after thinning has its larger blocks stored too. */
export const INLINE_MESSAGE_BYTES = 32 * 1024;

/** The field of a stored block that names the stored original. */
export const STORED_REF_FIELD = 'keel_ref';

export const blobHashSchema = stringMatching(/^[0-9a-f]{64}$/, 'a sha256 as 64 lowercase hex digits');

/** The address of stored content: the sha256 of its bytes, and their count. */
export const blobRefSchema = z.object({ hash: blobHashSchema, bytes: z.number().int().nonnegative() });
export type BlobRef = z.infer<typeof blobRefSchema>;

/**
 * A model context as stored: `head` is the last node of an append-only chain of message batches, `count` the
 * messages the chain holds. The model activity receives it instead of the whole conversation.
 */
export const contextRefSchema = z.object({ head: blobHashSchema, count: z.number().int().positive() });
export type ContextRef = z.infer<typeof contextRefSchema>;

/** The `keel_ref` of a stored block, if it is one. */
export function storedRefOf(block: ContentBlock | Record<string, unknown>): BlobRef | undefined {
  const ref = (block as Record<string, unknown>)[STORED_REF_FIELD];
  if (typeof ref !== 'object' || ref === null) return undefined;
  const parsed = blobRefSchema.safeParse(ref);
  return parsed.success ? parsed.data : undefined;
}

/** How a stored block's hash is shown to people and models: `sha256:<hex>`. */
export function formatHash(hash: string): string {
  return `sha256:${hash}`;
}

/** Accepts `sha256:<hex>` or a bare hex hash; undefined when it is neither. */
export function parseHash(text: string): string | undefined {
  const bare = text.trim().replace(/^sha256:/, '');
  return blobHashSchema.safeParse(bare).success ? bare : undefined;
}

/**
 * The UTF-8 byte length of a string, without `TextEncoder` or `Buffer` (neither is certain in the workflow
 * sandbox). Lone surrogates count as the three bytes of U+FFFD, as the encoder writes them.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The serialized size of a JSON value, UTF-8 bytes. */
export function jsonByteLength(value: unknown): number {
  return utf8ByteLength(JSON.stringify(value) ?? '');
}

/** Blocks this small are never stored by reference: a reference with its note would be larger. */
export const MIN_STORED_BLOCK_BYTES = 256;

/**
 * True when the content must be stored before it enters history: a block passes {@link INLINE_BLOCK_BYTES}, or the
 * message passes {@link INLINE_MESSAGE_BYTES} while some block could still be stored.
 */
export function hasOversizedBlocks(content: MessageContent): boolean {
  if (typeof content === 'string') return utf8ByteLength(content) > INLINE_BLOCK_BYTES;
  let total = 0;
  let storable = false;
  for (const block of content) {
    const size = jsonByteLength(block);
    total += size;
    if (storedRefOf(block)) continue;
    if (size > INLINE_BLOCK_BYTES) return true;
    if (size > MIN_STORED_BLOCK_BYTES) storable = true;
  }
  return storable && total > INLINE_MESSAGE_BYTES;
}
