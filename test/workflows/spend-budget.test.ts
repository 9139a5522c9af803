import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { keelCostUsdKey, keelStatusKey, keelTokensKey } from '../../src/shared/search-attributes.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { useKeel } from '../harness/use-keel.js';
import { waitForStatus } from '../harness/wait-for.js';

/**
 * Every scripted call reports the same usage. At the `test` profile's prices ($1, $10, $0.1 and $1.25 per million
 * input, output, cache read and cache write tokens) one call costs 0.001 + 0.005 + 0.0002 + 0.0005 = $0.0067 and
 * counts 3900 tokens.
 */
const usage = { input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 2000, cache_creation_input_tokens: 400 };
const reply = (text: string): ScriptedReply => ({ kind: 'message', content: [{ type: 'text', text }], usage });

describe('spend ledger and budgets', () => {
  const sessions: SessionHandle[] = [];

  const keel = useKeel({ model: {}, worker: {} });

  test('budget: a soft maxCostUsd pauses the session until raiseBudget, then the hard limit stops it at the right turn; accounting is exact', async () => {
    const firstRequest = keel.model.requests.length;
    keel.model.push(reply('a1'));
    const handle = await keel.worker.sessions.start({
      profile: 'test',
      mode: 'chat',
      limits: { maxCostUsd: 0.03, softLimitFraction: 0.5 },
      messages: [{ role: 'user', content: 'm1' }],
    });
    sessions.push(handle);
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    keel.model.push(reply('a2'));
    await handle.sendMessage('m2');
    keel.model.push(reply('a3'));
    await handle.sendMessage('m3');

    // $0.0201 spent, past the soft limit of $0.015: the fourth turn waits before its model call.
    keel.model.push(reply('a4'));
    const fourth = handle.sendMessage('m4');
    await waitForStatus(handle, 'waiting_for_budget', 'the soft limit to pause the session');
    let state = await handle.state();
    assert.deepEqual(state.budgetPause, { limit: 'maxCostUsd', softLimit: 0.015, used: 0.0201, hardLimit: 0.03 });
    assert.equal(keel.model.requests.length - firstRequest, 3);
    assert.equal(keel.model.pending(), 1);
    const paused = await handle.workflow.describe();
    assert.equal(paused.typedSearchAttributes.get(keelStatusKey), 'waiting_for_budget');

    await assert.rejects(handle.raiseBudget({ maxCostUsd: 0.01 }), /maxCostUsd: 0\.01 is below the current limit 0\.03; raiseBudget only raises/);
    assert.deepEqual(await handle.raiseBudget({}), { maxCostUsd: 0.03 });
    assert.equal((await fourth).text, 'a4');
    state = await handle.state();
    assert.equal(state.status, 'waiting_for_input');
    assert.equal(state.budgetPause, undefined);

    keel.model.push(reply('a5'));
    assert.equal((await handle.sendMessage('m5')).turn, 5);
    // $0.0335 spent: the hard limit of $0.03 refuses a sixth model call.
    const sixth = await handle.sendMessage('m6');
    assert.equal(sixth.endedBy, 'limit_reached');
    const result = await handle.result();
    assert.equal(result.status, 'limit_reached');
    assert.equal(result.limit, 'maxCostUsd');
    assert.equal(result.turns, 5);
    assert.equal(keel.model.requests.length - firstRequest, 5);

    assert.deepEqual(result.usage, { inputTokens: 5000, outputTokens: 2500, cacheReadInputTokens: 10000, cacheCreationInputTokens: 2000, costUsd: 0.0335 });
    state = await handle.state();
    const totals = { calls: 5, inputTokens: 5000, outputTokens: 2500, cacheReadInputTokens: 10000, cacheCreationInputTokens: 2000, totalTokens: 19500, costUsd: 0.0335 };
    assert.deepEqual(state.spend.total, totals);
    assert.deepEqual(state.spend.byModel, { 'claude-test-1': totals });
    assert.deepEqual(
      state.spend.recent.map((entry) => [entry.turn, entry.kind, entry.profile, entry.costUsd, entry.inputTokens + entry.outputTokens + entry.cacheReadInputTokens + entry.cacheCreationInputTokens]),
      [1, 2, 3, 4, 5].map((turn) => [turn, 'turn', 'test', 0.0067, 3900]),
    );
    assert.deepEqual(state.limits, { maxCostUsd: 0.03, softLimitFraction: 0.5 });
    const described = await handle.workflow.describe();
    assert.equal(described.typedSearchAttributes.get(keelTokensKey), 19500);
    assert.equal(described.typedSearchAttributes.get(keelCostUsdKey), 0.0335);
    assert.equal(described.typedSearchAttributes.get(keelStatusKey), 'limit_reached');
  });

  test('budget: a raised limit re-arms its soft limit, which pauses the session again when reached; interrupt ends the waiting turn', async () => {
    keel.model.push(reply('a1'));
    const handle = await keel.worker.sessions.start({
      profile: 'test',
      mode: 'chat',
      limits: { maxTokens: 10_000, softLimitFraction: 0.5 },
      messages: [{ role: 'user', content: 'm1' }],
    });
    sessions.push(handle);
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    keel.model.push(reply('a2'));
    await handle.sendMessage('m2');
    keel.model.push(reply('a3'));
    const third = handle.sendMessage('m3');
    await waitForStatus(handle, 'waiting_for_budget', 'the soft limit to pause the session');
    assert.deepEqual((await handle.state()).budgetPause, { limit: 'maxTokens', softLimit: 5000, used: 7800, hardLimit: 10_000 });
    // 7800 tokens used, below half of the new 16000: the soft limit stays armed.
    assert.deepEqual(await handle.raiseBudget({ maxTokens: 16_000 }), { maxTokens: 16_000 });
    assert.equal((await third).text, 'a3');
    const callsBefore = keel.model.requests.length;
    const fourth = handle.sendMessage('m4');
    await waitForStatus(handle, 'waiting_for_budget', 'the soft limit to pause the session again');
    assert.deepEqual((await handle.state()).budgetPause, { limit: 'maxTokens', softLimit: 8000, used: 11_700, hardLimit: 16_000 });
    // The operator declines: an interrupt ends the waiting turn without a model call, and the session stays open.
    await handle.interrupt('over budget');
    assert.equal((await fourth).endedBy, 'interrupted');
    const state = await handle.state();
    assert.equal(state.status, 'waiting_for_input');
    assert.equal(state.budgetPause, undefined);
    assert.equal(keel.model.requests.length, callsBefore);
    await handle.cancel();
    assert.equal((await handle.result()).status, 'cancelled');
  });

  test('replay: the sessions of this file replay from their histories', async () => {
    await assertHistoriesReplay(keel.environment.bundle, sessions);
  });
});
