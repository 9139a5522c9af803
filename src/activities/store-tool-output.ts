/**
 * A tool's output on its way back to the workflow: whole when short, else stored in the content store with a
 * preview and a reference in its place, so workflow history stays small (the model call puts the original back,
 * cut to the profile's limit). Worker-side.
 */
import { OutputCapture } from '../sandboxes/output-capture.js';
import type { ContentBlock } from '../shared/schemas/content.js';
import { INLINE_BLOCK_BYTES } from '../shared/schemas/stored-block.js';
import type { ToolCallOutput } from '../shared/schemas/tools.js';
import type { JsonStore } from '../stores/content-store.js';
import { storedBlockFor } from '../stores/store-content.js';

/**
 * Largest result a tool may return, bytes. A result longer than a block may be in history is stored whole in the
 * content store (the model sees it cut to its profile's limit and pages on with `read_output`); past this bound the
 * head and the tail are kept, with a note of the cut, so that one runaway output cannot fill the store.
 */
export const maxToolResultBytes = 64 * 1024 * 1024;

function capped(output: ToolCallOutput): ToolCallOutput {
  if (Buffer.byteLength(output.content) <= maxToolResultBytes) return output;
  const capture = new OutputCapture(maxToolResultBytes);
  capture.write(Buffer.from(output.content));
  return { ...output, content: capture.result().text };
}

async function stored(store: JsonStore, block: ContentBlock, isError: boolean): Promise<ToolCallOutput> {
  const ref = await store.putJson(block);
  const preview = storedBlockFor(block, ref) as { content?: unknown };
  return { content: String(preview.content ?? ''), isError, storedRef: ref };
}

/** The output as it goes back to the workflow: whole when short, else stored, with its preview and reference. */
export async function storedWhenLong(store: JsonStore, toolUseId: string, output: ToolCallOutput): Promise<ToolCallOutput> {
  const bounded = capped(output);
  if (Buffer.byteLength(bounded.content) <= INLINE_BLOCK_BYTES) return bounded;
  return stored(store, { type: 'tool_result', tool_use_id: toolUseId, content: bounded.content, ...(bounded.isError ? { is_error: true } : {}) }, bounded.isError);
}

/**
 * An output of content blocks (text and images): text alone goes as text, as above; with an image the whole result
 * is stored, so images never enter history and reach the model from the store.
 */
export async function storedBlocks(store: JsonStore, toolUseId: string, blocks: ContentBlock[], isError: boolean): Promise<ToolCallOutput> {
  if (blocks.every((block) => block.type === 'text')) {
    return storedWhenLong(store, toolUseId, { content: blocks.map((block) => (block as { text: string }).text).join('\n'), isError });
  }
  return stored(store, { type: 'tool_result', tool_use_id: toolUseId, content: blocks, ...(isError ? { is_error: true } : {}) }, isError);
}
