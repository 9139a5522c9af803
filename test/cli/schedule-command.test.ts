/**
 * `keel schedule` on Temporal Schedules, end to end: a one-minute cron starts sessions that run and complete as
 * any other, each carrying the schedule's id in its metadata; pausing shows in the list; deleting the schedule
 * stops it. Takes over two minutes: the cron's smallest step is a minute.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { payloadValue } from '../../src/client/history-events.js';
import { runKeel } from '../harness/keel-cli.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

const keel = useKeel({ model: { responder: () => ({ kind: 'message', content: [{ type: 'text', text: 'report written' }] }) }, worker: {} });
let directory: string;

before(() => {
  directory = mkdtempSync(join(tmpdir(), 'keel-schedule-'));
  keel.closeAfter({ close: () => rmSync(directory, { recursive: true, force: true }) });
});

/** The sessions a schedule has started, by Temporal's own record of it. */
async function runsOf(scheduleId: string): Promise<Array<{ workflowId: string; status: string }>> {
  const runs: Array<{ workflowId: string; status: string }> = [];
  for await (const execution of keel.environment.client.workflow.list({ query: `TemporalScheduledById = '${scheduleId}'` })) {
    runs.push({ workflowId: execution.workflowId, status: execution.status.name });
  }
  return runs;
}

describe('keel schedule', () => {
  test('keel schedule: a one-minute cron starts sessions that complete with the schedule id in their metadata; deleting it stops it', async () => {
    const scheduleId = `schedule-test-${Date.now()}`;
    const file = join(directory, 'session.json');
    writeFileSync(file, JSON.stringify({ messages: [{ role: 'user', content: 'Write the daily report.' }], metadata: { team: 'ops' } }));
    const options = { address: keel.environment.address, taskQueue: keel.worker.taskQueue };
    const created = await runKeel(['schedule', 'create', '--cron', '* * * * *', '--file', file, '--id', scheduleId], options);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`schedule created ${scheduleId}`));

    const listed = await runKeel(['schedule', 'list', '--json'], options);
    assert.equal(listed.code, 0, listed.stderr);
    const entry = (JSON.parse(listed.stdout) as Array<{ scheduleId: string; cron: string; paused: boolean }>).find((schedule) => schedule.scheduleId === scheduleId);
    assert.deepEqual(entry && { cron: entry.cron, paused: entry.paused }, { cron: '* * * * *', paused: false });

    // Two minute boundaries: two sessions, each run to completion by the worker.
    const completed = await waitFor(
      'two completed runs',
      async () => {
        const runs = await runsOf(scheduleId);
        return runs.filter((run) => run.status === 'COMPLETED').length >= 2 ? runs : undefined;
      },
      150_000,
      1_000,
    );
    for (const run of completed.filter((candidate) => candidate.status === 'COMPLETED')) {
      const handle = keel.environment.client.workflow.getHandle(run.workflowId);
      const result = (await handle.result()) as { status: string; finalText: string };
      assert.equal(result.status, 'completed');
      assert.equal(result.finalText, 'report written');
      const history = await handle.fetchHistory();
      const input = payloadValue(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]) as { metadata: Record<string, string> };
      assert.deepEqual(input.metadata, { team: 'ops', scheduleId });
      assert.ok(run.workflowId.startsWith(`session-${scheduleId}-`), run.workflowId);
    }

    const paused = await runKeel(['schedule', 'pause', scheduleId, '--note', 'holiday'], options);
    assert.equal(paused.code, 0, paused.stderr);
    const pausedList = await runKeel(['schedule', 'list'], options);
    assert.match(pausedList.stdout, new RegExp(`${scheduleId}  paused  \\* \\* \\* \\* \\*.*\\(holiday\\)`));

    const deleted = await runKeel(['schedule', 'delete', scheduleId], options);
    assert.equal(deleted.code, 0, deleted.stderr);
    await assert.rejects(keel.environment.client.schedule.getHandle(scheduleId).describe(), /not found/i);
    // Past the next minute boundary, no new session has started.
    const startedBefore = (await runsOf(scheduleId)).length;
    await new Promise((resolve) => setTimeout(resolve, (61 - new Date().getSeconds()) * 1000 + 3000));
    assert.equal((await runsOf(scheduleId)).length, startedBefore);
  });
});
