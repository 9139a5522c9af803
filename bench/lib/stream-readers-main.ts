/**
 * A process of stream readers for the http-stream bench, so that many readers do not share the event loop of the
 * API they read from. Takes requests over the IPC channel of `child_process.fork` (`ReaderRequest`), runs that many
 * readers at once, and answers with what each saw (`ReaderReply`). Started by `stream-reader-pool.ts`, never by hand.
 */
import Anthropic from '@anthropic-ai/sdk';
import { readDirectStream, readEventStream, type StreamRead } from './stream-readers.js';
import type { ReaderReply, ReaderRequest } from './stream-reader-pool.js';

const anthropicByUrl = new Map<string, Anthropic>();

async function serve(request: ReaderRequest): Promise<StreamRead[]> {
  if (request.kind === 'events') {
    return await Promise.all(Array.from({ length: request.count }, () => readEventStream(request.url, request.startedAt, request.expectedText)));
  }
  let anthropic = anthropicByUrl.get(request.modelUrl);
  if (!anthropic) {
    anthropic = new Anthropic({ baseURL: request.modelUrl, apiKey: 'bench', maxRetries: 0 });
    anthropicByUrl.set(request.modelUrl, anthropic);
  }
  const client = anthropic;
  return await Promise.all(Array.from({ length: request.count }, (_, index) => readDirectStream(client, request.model, `${request.label}.${index}`, request.expectedText)));
}

process.on('message', (request: ReaderRequest) => {
  serve(request).then(
    (reads) => process.send?.({ id: request.id, reads } satisfies ReaderReply),
    (error: unknown) => process.send?.({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies ReaderReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, reads: [] } satisfies ReaderReply);
