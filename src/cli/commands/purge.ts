/**
 * `keel purge <id>`: deletes what a finished session left on this worker host and in the content store (stored
 * content, snapshots, session directory), at once rather than after `KEEL_RETENTION_DAYS`. Content a fork shares
 * with it stays while the fork owns it. Reads the workers' settings (`KEEL_DATA_DIR`, `KEEL_STORE`,
 * `KEEL_STORE_URL`), so run it where a worker runs. A session still running is refused: cancel it first.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { readSecretVariable } from '../../secrets/read-secret-variable.js';
import { CliError } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';

export function registerPurge(program: Command, io: ActionEnvironment): void {
  program
    .command('purge')
    .description("delete a finished session's stored content, snapshots and files now (run it where a worker runs)")
    .argument('<id>', 'session id')
    .addHelpText('after', '\nReads KEEL_DATA_DIR, KEEL_STORE and KEEL_STORE_URL as the workers do.\nExample:\n  keel purge session-0d5c...')
    .action(
      defineAction(io, async (context, [sessionId]) => {
        const client = await context.client();
        try {
          const description = await client.workflow.getHandle(sessionId).describe();
          if (description.status.name === 'RUNNING') throw new CliError(`${sessionId} is still running: cancel it first (keel cancel ${sessionId})`);
        } catch (error) {
          // A session Temporal no longer knows (its history expired) is purged all the same.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
        const environment = io.environment;
        const kind = environment.KEEL_STORE === 'postgres' ? 'postgres' : 'file';
        const dataDir = environment.KEEL_DATA_DIR ?? '.keel/data';
        const url = readSecretVariable('KEEL_STORE_URL', environment);
        // Loaded here, not at the top: the store drivers and the sandbox code are for this verb alone.
        const [{ openContentStore }, { purgeSession }] = await Promise.all([import('../../stores/open-content-store.js'), import('../../worker/purge-session.js')]);
        const store = await openContentStore({ kind, dataDir, ...(url ? { url } : {}) });
        try {
          const report = await purgeSession({ store, dataDir }, sessionId);
          if (context.options.json) context.printJson(report);
          else {
            context.print(`${context.style.green('purged')} ${sessionId}`);
            context.print(
              context.style.dim(`  ${report.blobsDeleted} stored blobs deleted (${report.blobsReleased - report.blobsDeleted} still another session's), ${report.snapshotsDeleted} snapshots deleted, session directory removed`),
            );
          }
        } finally {
          await store.close();
        }
      }),
    );
}
