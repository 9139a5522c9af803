/**
 * Command-line entry for the scripted model server, serving the offline demo model.
 *
 *   node --import tsx src/dev/scripted-model/main.ts [--port 0] [--host 127.0.0.1] [--api-key KEY]
 *     [--latency-ms 0] [--chunk-delay-ms 0] [--script replies.json]
 *
 * Prints one JSON line, `{"url":"http://127.0.0.1:PORT"}`, on stdout once listening (a parent process reads it to
 * learn the ephemeral port), then serves until SIGINT or SIGTERM. `--script` names a JSON array of scripted replies
 * served first, e.g. to rehearse a 429 in the demo; the offline demo responder answers everything after them.
 * Exits with status 2 on bad flags.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { offlineDemoResponder, scriptedReplySchema, startScriptedModelServer } from './index.js';

const flagsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  'api-key': z.string().min(1).optional(),
  'latency-ms': z.coerce.number().nonnegative(),
  'chunk-delay-ms': z.coerce.number().nonnegative(),
  script: z.string().min(1).optional(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-key': { type: 'string' },
      'latency-ms': { type: 'string', default: '0' },
      'chunk-delay-ms': { type: 'string', default: '0' },
      script: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const flags = flagsSchema.safeParse(values);
  if (!flags.success) throw new UsageError(z.prettifyError(flags.error));

  const script = flags.data.script === undefined ? [] : await readScript(flags.data.script);
  const server = await startScriptedModelServer({
    port: flags.data.port,
    host: flags.data.host,
    apiKey: flags.data['api-key'],
    latencyMs: flags.data['latency-ms'],
    script,
    responder: offlineDemoResponder({ chunkDelayMs: flags.data['chunk-delay-ms'] }),
  });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

  const stop = (): void => {
    // Once the server is closed nothing keeps the event loop alive, so the process exits with status 0.
    void server.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function readScript(path: string): Promise<z.infer<typeof scriptedReplySchema>[]> {
  const parsed = z.array(scriptedReplySchema).safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new UsageError(`--script ${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** A mistake in the invocation rather than a failure of the server. */
class UsageError extends Error {
  override name = 'UsageError';
}

main().catch((error: unknown) => {
  const usage = error instanceof UsageError || (error instanceof TypeError && 'code' in error);
  process.stderr.write(`scripted-model-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = usage ? 2 : 1;
});
