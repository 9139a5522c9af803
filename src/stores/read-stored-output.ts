/** Paging through a stored output, for the `read_output` tool. Worker-side. */
import { StoreError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { JsonStore } from './content-store.js';
import { textOfBlock } from './store-content.js';

/** Characters a page holds unless the caller asks for fewer or more. */
export const DEFAULT_READ_OUTPUT_CHARACTERS = 20_000;
/** The most characters one page holds. */
export const MAX_READ_OUTPUT_CHARACTERS = 100_000;

export interface StoredOutputPage {
  text: string;
  isError?: boolean;
}

/**
 * Characters `offset` to `offset + limit` of a stored block's text (a tool result's output, a text block's text),
 * headed by where they are in the whole. An unknown reference (or one to another session's content, when `store` is
 * a session's view) is the model's mistake and comes back as `isError`.
 * @throws StoreError when the store cannot be reached.
 */
export async function readStoredOutput(store: JsonStore, hash: string, offset: number, limit?: number): Promise<StoredOutputPage> {
  let block: Record<string, unknown>;
  try {
    block = await store.getJson<Record<string, unknown>>(hash);
  } catch (error) {
    // Another session's output is answered like a missing one: the model learns nothing about what others stored.
    const type = StoreError.isInstance(error) ? error.failureType : undefined;
    if (type === FailureTypes.StoreNotFound || type === FailureTypes.StoreForbidden) {
      return { isError: true, text: `no stored output sha256:${hash} in this session` };
    }
    throw error;
  }
  const text = textOfBlock(block);
  const count = Math.min(limit ?? DEFAULT_READ_OUTPUT_CHARACTERS, MAX_READ_OUTPUT_CHARACTERS);
  if (offset >= text.length && text.length > 0) {
    return { isError: true, text: `offset ${offset} is past the end: the output has ${text.length} characters` };
  }
  const end = Math.min(text.length, offset + count);
  const rest = text.length - end;
  const header = `[characters ${offset}-${end} of ${text.length}${rest > 0 ? `; ${rest} more after offset ${end}` : '; the end'}]`;
  return { text: `${header}\n${text.slice(offset, end)}` };
}
