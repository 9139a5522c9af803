/**
 * Wire types of the transcript archive: a session's transcript index (entries with large blocks stored by
 * reference) written to the content store in segments when the session continues as new, and read back by the
 * next run. Bundle-safe.
 */
import { z } from 'zod';
import { messageContentSchema } from './content.js';
import type { TranscriptEntry } from './session-messages.js';
import { blobHashSchema } from './stored-block.js';

/** A stored run of transcript entries. */
export const transcriptSegmentSchema = z.object({ hash: blobHashSchema, count: z.number().int().positive() });
export type TranscriptSegment = z.infer<typeof transcriptSegmentSchema>;

export interface ArchiveTranscriptRequest {
  sessionId: string;
  entries: TranscriptEntry[];
}

export interface LoadTranscriptRequest {
  segment: TranscriptSegment;
  /** Index in the segment to read from. */
  offset: number;
  /** Most bytes of entries to return; at least one entry is returned. */
  maxBytes: number;
}

export interface LoadTranscriptResponse {
  entries: TranscriptEntry[];
  /** Where to read on, or null at the segment's end. */
  nextOffset: number | null;
}

export const storeContentRequestSchema = z.object({
  contents: z.array(messageContentSchema),
  toolResultMaxBytes: z.number().int().positive().optional(),
});
export type StoreContentRequest = z.infer<typeof storeContentRequestSchema>;

export const readStoredOutputInputSchema = z.strictObject({
  ref: z.string().min(1).describe('The stored output, as named in the note: "sha256:<hex>"'),
  offset: z.number().int().nonnegative().optional().describe('First character to read. Default 0'),
  limit: z.number().int().positive().optional().describe('Characters to read. Default 20000, at most 100000'),
});
export type ReadStoredOutputInput = z.infer<typeof readStoredOutputInputSchema>;
