/**
 * An MCP tool result as the Messages API's `tool_result` content: text stays text, images (and embedded resources
 * that are images) become image blocks, embedded text resources become text, and what the API cannot show (audio,
 * other binary resources) becomes a line of text saying what was left out. With no content, the structured result
 * is given as JSON text. Worker-side.
 */
import type { ContentBlock } from '../shared/schemas/content.js';

/** The image types the Messages API takes. */
const imageMediaTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** An MCP result as the SDK's client answers it (the fields Keel reads). */
export interface McpToolResult {
  content?: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
}

function base64Bytes(data: string): number {
  return Math.floor((data.length * 3) / 4);
}

function imageBlock(data: string, mediaType: string): ContentBlock {
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data } } as ContentBlock;
}

function convertPart(part: Record<string, unknown>): ContentBlock {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: String(part.text ?? '') };
    case 'image': {
      const mediaType = String(part.mimeType ?? '');
      const data = String(part.data ?? '');
      if (imageMediaTypes.has(mediaType)) return imageBlock(data, mediaType);
      return { type: 'text', text: `[an image of type ${mediaType || 'unknown'} (${base64Bytes(data)} bytes) was left out: the model takes JPEG, PNG, GIF and WebP]` };
    }
    case 'audio':
      return { type: 'text', text: `[audio of type ${String(part.mimeType ?? 'unknown')} (${base64Bytes(String(part.data ?? ''))} bytes) was left out: the model does not take audio]` };
    case 'resource_link':
      return { type: 'text', text: `[resource link: ${String(part.name ?? part.uri)} ${String(part.uri ?? '')}${part.description ? ` (${String(part.description)})` : ''}]` };
    case 'resource': {
      const resource = (part.resource ?? {}) as Record<string, unknown>;
      const uri = String(resource.uri ?? '');
      const mediaType = String(resource.mimeType ?? '');
      if (typeof resource.text === 'string') return { type: 'text', text: `[resource ${uri}${mediaType ? ` (${mediaType})` : ''}]\n${resource.text}` };
      const blob = String(resource.blob ?? '');
      if (imageMediaTypes.has(mediaType)) return imageBlock(blob, mediaType);
      return { type: 'text', text: `[resource ${uri} of type ${mediaType || 'unknown'} (${base64Bytes(blob)} bytes) was left out: it is binary]` };
    }
    default:
      return { type: 'text', text: `[content of type ${String(part.type)} was left out: Keel does not know it]` };
  }
}

/** The blocks of a result, at least one. */
export function convertMcpResult(result: McpToolResult): ContentBlock[] {
  const parts = (result.content ?? []).filter((part): part is Record<string, unknown> => typeof part === 'object' && part !== null);
  const blocks = parts.map(convertPart);
  if (blocks.length === 0 && result.structuredContent !== undefined) return [{ type: 'text', text: JSON.stringify(result.structuredContent) }];
  return blocks.length > 0 ? blocks : [{ type: 'text', text: '' }];
}
