import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseStatus, sessionListQuery } from '../../src/client/session-list-query.js';

describe('session list query', () => {
  test('sessionListQuery: statuses, profiles, age and a raw clause combine with AND; live statuses require an open run', () => {
    assert.equal(sessionListQuery(), `WorkflowType = 'agentSession'`);
    assert.equal(
      sessionListQuery({ statuses: ['waiting_for_approval'] }),
      `WorkflowType = 'agentSession' AND (KeelStatus = 'waiting_for_approval' AND ExecutionStatus = 'Running')`,
    );
    assert.equal(sessionListQuery({ statuses: ['completed', 'failed'] }), `WorkflowType = 'agentSession' AND (KeelStatus = 'completed' OR ExecutionStatus = 'Failed')`);
    assert.equal(
      sessionListQuery({ profiles: ['a', 'b'], startedAfter: new Date('2026-01-02T03:04:05.000Z'), query: `KeelCostUsd > 1` }),
      `WorkflowType = 'agentSession' AND (KeelProfile = 'a' OR KeelProfile = 'b') AND StartTime > '2026-01-02T03:04:05.000Z' AND (KeelCostUsd > 1)`,
    );
  });

  test("sessionListQuery: latestRunOnly leaves out the runs a session continued as new from", () => {
    assert.equal(
      sessionListQuery({ tenant: 'acme', latestRunOnly: true, query: `KeelTurns > 1` }),
      `WorkflowType = 'agentSession' AND KeelTenant = 'acme' AND ExecutionStatus != 'ContinuedAsNew' AND (KeelTurns > 1)`,
    );
  });

  test('sessionListQuery: a value holding a quote is refused rather than spliced into the query', () => {
    assert.throws(() => sessionListQuery({ profiles: [`x' OR KeelStatus = 'y`] }), /holds a quote/);
  });

  test('parseStatus: the contract\'s statuses and the abnormal ends; anything else names the choices', () => {
    assert.equal(parseStatus('waiting_for_budget'), 'waiting_for_budget');
    assert.equal(parseStatus('timed_out'), 'timed_out');
    assert.throws(() => parseStatus('asleep'), /unknown status "asleep"; expected one of running, waiting_for_input, waiting_for_approval, waiting_for_budget, completed, cancelled, limit_reached, failed, terminated, timed_out/);
  });
});
