import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';

import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { WorkflowBundle } from '@temporalio/worker';
import { installQuietRuntime } from '../../src/replay/quiet-runtime.js';
import { expandHistoryPaths, readHistoryFile } from '../../src/replay/history-files.js';
import { createReplayBundle, replayHistories, reproducesRecordedEnd, type HistorySource, type ReplayReport } from '../../src/replay/replay-histories.js';
import { tracingWorkflowInterceptorModules } from '../../src/tracing/worker-tracing.js';
import { fixtureNames, historyScenarios } from '../harness/history-scenarios.js';

const fixtures = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
/** Histories recorded before a patched change, kept to prove the old path still replays (README, "Changing workflow code safely"). */
const legacyFixtures = fileURLToPath(new URL('../fixtures/histories/legacy/', import.meta.url));
const sleepFirstWorkflows = fileURLToPath(new URL('../fixtures/workflows/sleep-first-session.ts', import.meta.url));
/**
 * The workflow code the fixtures must replay with: this build's, unless KEEL_REPLAY_WORKFLOWS names another module
 * (test/cli/replay-command.test.ts uses it to show that a non-deterministic change fails this very test).
 */
const workflowsUnderTest = process.env.KEEL_REPLAY_WORKFLOWS ? { workflowsPath: process.env.KEEL_REPLAY_WORKFLOWS } : {};

async function replayAll(sources: HistorySource[], bundle: WorkflowBundle): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  for await (const report of replayHistories(sources, bundle)) reports.push(report);
  return reports;
}

describe('replay of recorded histories', () => {
  let sources: HistorySource[];

  before(async () => {
    installQuietRuntime();
    sources = await Promise.all((await expandHistoryPaths([fixtures])).map(readHistoryFile));
  });

  test('replay fixtures: one recorded history per scenario, none stale (re-record with `npm run record-histories`)', () => {
    const recorded = readdirSync(fixtures).filter((name) => name.endsWith('.json')).map((name) => name.replace(/\.json$/, '')).sort();
    const expected = historyScenarios.flatMap((scenario) =>
      fixtureNames(scenario, scenario.continuesAsNew ? recorded.filter((name) => name === scenario.name || name.startsWith(`${scenario.name}.run-`)).length : 1),
    );
    assert.deepEqual(recorded, expected.sort());
    // A session that continues as new is recorded run by run: at least two.
    for (const scenario of historyScenarios.filter((candidate) => candidate.continuesAsNew)) assert.ok(recorded.includes(`${scenario.name}.run-1`), scenario.name);
  });

  test('replay: every recorded history replays deterministically with the current workflow code, ending as recorded', async () => {
    const reports = await replayAll(sources, await createReplayBundle(workflowsUnderTest));
    assert.equal(reports.length, sources.length);
    for (const report of reports) {
      assert.equal(report.deterministic, true, `${report.workflowId} is not deterministic: ${report.divergence?.difference} (${report.divergence?.raw})`);
      assert.equal(report.error, undefined, `${report.workflowId}: ${report.error}`);
      assert.ok(reproducesRecordedEnd(report), `${report.workflowId}: recorded ${JSON.stringify(report.recorded)}, replayed ${JSON.stringify(report.replayed)}`);
      const scenario = historyScenarios.find((candidate) => candidate.name === report.workflowId.replace(/\.run-\d+$/, ''))!;
      // Every run but the last of a session that continues as new ends by continuing as new.
      assert.equal(report.recorded.kind, /\.run-\d+$/.test(report.workflowId) ? 'continued-as-new' : scenario.ends, report.workflowId);
    }
  });

  test('replay: histories recorded before a patched change (legacy/) still replay, taking the old path', async () => {
    const legacy = await Promise.all((await expandHistoryPaths([legacyFixtures])).map(readHistoryFile));
    assert.ok(legacy.length > 0);
    const reports = await replayAll(legacy, await createReplayBundle());
    for (const report of reports) {
      assert.equal(report.deterministic, true, `${report.workflowId}: ${report.divergence?.raw}`);
      assert.equal(report.error, undefined, `${report.workflowId}: ${report.error}`);
      assert.ok(reproducesRecordedEnd(report), report.workflowId);
    }
    // The snapshot activity came with the patch: the legacy history has none, the current recording does.
    const activityTypes = (source: HistorySource) =>
      (source.history.events ?? []).flatMap((event) => (event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes.activityType?.name] : []));
    assert.ok(!activityTypes(legacy.find((source) => source.workflowId === 'tools-local-sandbox-before-sandbox-snapshots')!).includes('snapshotSandbox'));
    assert.ok(activityTypes(sources.find((source) => source.workflowId === 'tools-local-sandbox')!).includes('snapshotSandbox'));
    // Search attributes used to be written at every publish; since the patch, once per status change.
    const keelUpserts = (source: HistorySource) =>
      (source.history.events ?? []).filter((event) => Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).includes('KeelStatus')).length;
    const before = legacy.find((source) => source.workflowId === 'chat-three-turns-before-lean-steps')!;
    assert.ok(before, 'legacy/chat-three-turns-before-lean-steps.json');
    const after = sources.find((source) => source.workflowId === 'chat-three-turns')!;
    assert.ok(keelUpserts(after) < keelUpserts(before), `${keelUpserts(after)} upserts now, ${keelUpserts(before)} before`);
    // The profile and tools used to be read by ordinary activities; since the patch, by local ones (markers).
    const beforeLocal = legacy.find((source) => source.workflowId === 'tools-local-sandbox-before-lean-steps')!;
    assert.ok(activityTypes(beforeLocal).includes('resolveProfile') && activityTypes(beforeLocal).includes('resolveTools'));
    const current = sources.find((source) => source.workflowId === 'tools-local-sandbox')!;
    assert.ok(!activityTypes(current).includes('resolveProfile') && !activityTypes(current).includes('resolveTools'));
    // A continued run used to keep the profile it carried; since the patch, it resolves it again (a local activity).
    const markerTexts = (source: HistorySource) =>
      (source.history.events ?? []).flatMap((event) =>
        Object.values(event.markerRecordedEventAttributes?.details ?? {}).flatMap((payloads) => (payloads.payloads ?? []).map((payload) => Buffer.from(payload.data ?? []).toString())),
      );
    const keptProfile = markerTexts(legacy.find((source) => source.workflowId === 'continue-as-new-before-follow-profile')!);
    const followedProfile = markerTexts(sources.find((source) => source.workflowId === 'continue-as-new')!);
    assert.ok(!keptProfile.some((text) => text.includes('keel-follow-profile') || text.includes('resolveProfile')));
    assert.ok(followedProfile.some((text) => text.includes('keel-follow-profile')) && followedProfile.some((text) => text.includes('resolveProfile')));
    // Figures written during a long turn used to follow workflow time; since the patch, the count of model steps.
    for (const workflowId of ['chat-three-turns', 'local-model-calls']) {
      const timed = markerTexts(legacy.find((source) => source.workflowId === `${workflowId}-before-figures-by-steps`)!);
      assert.ok(!timed.some((text) => text.includes('keel-figures-by-steps')), workflowId);
      assert.ok(markerTexts(sources.find((source) => source.workflowId === workflowId)!).some((text) => text.includes('keel-figures-by-steps')), workflowId);
    }
    // A run that continued as new used to carry no mark of the switch; now the transcript it carries ends with one.
    // The mark travels in the continue-as-new's argument only, so the old history replays without a patch.
    const switchMarkers = (source: HistorySource) => {
      const payloads = source.history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads ?? [];
      const carry = JSON.parse(Buffer.from(payloads[1]?.data ?? []).toString()) as { transcript: { tail: { kind: string; marker?: string }[] } };
      return carry.transcript.tail.filter((entry) => entry.kind === 'marker' && entry.marker === 'continued-as-new').length;
    };
    assert.equal(switchMarkers(legacy.find((source) => source.workflowId === 'continue-as-new-before-continue-as-new-marker')!), 0);
    assert.equal(switchMarkers(sources.find((source) => source.workflowId === 'continue-as-new.run-1')!), 1);
  });

  test('replay: turning tracing on changes no command: every history replays with the tracing interceptors bundled', async () => {
    const reports = await replayAll(sources, await createReplayBundle({ workflowInterceptorModules: tracingWorkflowInterceptorModules }));
    for (const report of reports) {
      assert.equal(report.deterministic, true, `${report.workflowId}: ${report.divergence?.raw}`);
      assert.equal(report.error, undefined, `${report.workflowId}: ${report.error}`);
    }
  });

  test('replay: a recorded failure reproduces under replay with the same failure type and message', async () => {
    const failed = sources.find((source) => source.workflowId === 'failed-model-bad-request')!;
    const [report] = await replayAll([failed], await createReplayBundle());
    assert.equal(report.recorded.kind, 'failed');
    assert.equal(report.replayed?.kind, 'failed');
    assert.equal(report.replayed?.kind === 'failed' && report.replayed.failureType, 'Model.BadRequest');
    assert.match(report.replayed?.kind === 'failed' ? report.replayed.message : '', /prompt is too long/);
    assert.ok(reproducesRecordedEnd(report));
  });

  test('replay: a non-deterministic change to the workflow fails every history, naming the event where it diverges', async () => {
    const reports = await replayAll(sources, await createReplayBundle({ workflowsPath: sleepFirstWorkflows }));
    assert.equal(reports.length, sources.length);
    for (const report of reports) {
      assert.equal(report.deterministic, false, `${report.workflowId} replayed deterministically with a changed workflow`);
      const { divergence } = report;
      assert.ok(divergence);
      // The first command of every session is the lean-steps patch marker (or, for a session refused at once, the
      // failure that closes it): event 5, or later when messages reached the session before its first task ran.
      const events = sources.find((source) => source.workflowId === report.workflowId)!.history.events!;
      const firstCommand = Number(events[events.findIndex((event) => event.workflowTaskCompletedEventAttributes) + 1]!.eventId);
      assert.equal(divergence.eventId, firstCommand, `${report.workflowId}: ${divergence.raw}`);
      if (report.workflowId === 'failed-invalid-input') {
        assert.equal(divergence.eventType, 'WorkflowExecutionFailed');
        assert.match(divergence.difference, /started a timer/);
      } else {
        assert.equal(divergence.eventType, 'MarkerRecorded', `${report.workflowId}: ${divergence.raw}`);
        assert.equal(divergence.event, `event ${firstCommand} MarkerRecorded: patch marker "keel-lean-steps"`);
        assert.match(divergence.difference, new RegExp(`^the current code did not check patch "keel-lean-steps" where the history has event ${firstCommand}\\b`));
      }
    }
  });

  test('replay: a history cut short is reported as still open, not as a failure', async () => {
    const chat = sources.find((source) => source.workflowId === 'chat-three-turns')!;
    const events = chat.history.events!;
    // Keep everything up to the first turn's end (the first workflow task completed after the first model call).
    const firstModelCall = events.findIndex((event) => event.activityTaskCompletedEventAttributes && Number(event.eventId) > 10);
    const cut = events.findIndex((event, index) => index > firstModelCall && event.workflowTaskCompletedEventAttributes);
    const [report] = await replayAll([{ workflowId: 'chat-cut', history: { events: events.slice(0, cut + 1) } }], await createReplayBundle());
    assert.equal(report.deterministic, true, report.divergence?.raw);
    assert.deepEqual(report.recorded, { kind: 'open' });
    assert.equal(report.replayed, undefined);
    assert.ok(reproducesRecordedEnd(report));
  });
});

