/**
 * Command-line entry for the E2B stand-in, so a worker can run the E2B provider on a machine without E2B.
 *
 *   node --import tsx src/dev/e2b-stand-in/main.ts [--host 127.0.0.1] [--api-port 0] [--envd-port 0]
 *     [--api-key KEY] [--template base ...]
 *
 * Prints one JSON line once listening, `{"E2B_API_URL":...,"E2B_SANDBOX_URL":...,"E2B_API_KEY":...}`: the
 * variables a worker needs to reach it. Serves until SIGINT or SIGTERM, then kills its sandboxes and removes their
 * directories. Exits with status 2 on bad flags.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startE2BStandIn } from './e2b-stand-in.js';

const flagsSchema = z.object({
  host: z.string().min(1),
  'api-port': z.coerce.number().int().min(0).max(65535),
  'envd-port': z.coerce.number().int().min(0).max(65535),
  'api-key': z.string().min(1).optional(),
  template: z.array(z.string().min(1)).min(1),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      'api-port': { type: 'string', default: '0' },
      'envd-port': { type: 'string', default: '0' },
      'api-key': { type: 'string' },
      template: { type: 'string', multiple: true, default: ['base'] },
    },
    strict: true,
    allowPositionals: false,
  });
  const flags = flagsSchema.safeParse(values);
  if (!flags.success) throw new UsageError(z.prettifyError(flags.error));

  const standIn = await startE2BStandIn({
    host: flags.data.host,
    controlPlanePort: flags.data['api-port'],
    envdPort: flags.data['envd-port'],
    templates: flags.data.template,
    ...(flags.data['api-key'] ? { apiKey: flags.data['api-key'] } : {}),
  });
  process.stdout.write(`${JSON.stringify({ E2B_API_URL: standIn.apiUrl, E2B_SANDBOX_URL: standIn.sandboxUrl, E2B_API_KEY: standIn.apiKey })}\n`);

  const stop = (): void => {
    void standIn.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** A mistake in the invocation rather than a failure of the stand-in. */
class UsageError extends Error {
  override name = 'UsageError';
}

main().catch((error: unknown) => {
  const usage = error instanceof UsageError || (error instanceof TypeError && 'code' in error);
  process.stderr.write(`e2b-stand-in: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = usage ? 2 : 1;
});
