import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProfileStats } from '../../src/client/profile-stats.js';
import type { RecordedRequest, ScriptedReply } from '../../src/dev/scripted-model/index.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { runKeel } from '../harness/keel-cli.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor, waitForStatus } from '../harness/wait-for.js';

/** Two profiles, the second at twice the prices: one turn (100 input, 10 output tokens) costs $0.0002 on alpha, $0.0004 on beta. */
const profiles: Record<string, ProfileConfig> = {
  alpha: { ...testProfiles.test, model: 'claude-alpha' },
  beta: { ...testProfiles.test, model: 'claude-beta', pricing: { inputPerMillionUsd: 2, outputPerMillionUsd: 20 } },
};

interface StatsJson {
  by: string;
  matched: number;
  read: number;
  profiles: ProfileStats[];
}

describe('keel stats', () => {
  const keel = useKeel({
    model: {
      // The task says how its session ends: a request the API refuses fails it; anything else gets one reply.
      responder: (request: RecordedRequest): ScriptedReply =>
        request.body.messages[0].content === 'refused'
          ? { kind: 'http-error', status: 400, message: 'a rejected request' }
          : { kind: 'message', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 100, output_tokens: 10 } },
    },
    worker: { profiles },
  });

  const stats = async (...args: string[]) => {
    const run = await runKeel(['stats', ...args], { address: keel.environment.address });
    assert.equal(run.code, 0, run.stderr);
    return run.stdout;
  };

  test('keel stats --by profile: outcomes, turns, tokens, cost and errors per profile, from visibility; table and --json', async () => {
    const sessions = keel.worker.sessions;
    const task = (profile: string, content = 'the task') => sessions.start({ profile, messages: [{ role: 'user', content }] });
    const chat = (profile: string, extra: object = {}) => sessions.start({ profile, mode: 'chat', messages: [{ role: 'user', content: 'hello' }], ...extra });

    // alpha: two completed, one cancelled after its turn.
    const alphaTasks = [await task('alpha'), await task('alpha')];
    const cancelled = await chat('alpha');
    // beta: one completed, one failed (the model refuses its request), one still open, one that reached its idle limit.
    const betaTask = await task('beta');
    const failed = await task('beta', 'refused');
    const open = await chat('beta');
    const idle = await chat('beta', { limits: { idleTimeoutSeconds: 1 } });

    await Promise.all([...alphaTasks, betaTask].map((handle) => handle.result()));
    await waitForStatus(cancelled, 'waiting_for_input', 'the chat session\'s first turn');
    await cancelled.cancel();
    await cancelled.result();
    await assert.rejects(failed.result());
    await waitForStatus(open, 'waiting_for_input', 'the open session\'s first turn');
    assert.equal((await idle.result()).status, 'limit_reached');

    // Visibility is a moment behind the sessions: wait until it lists every end.
    const read = async (...args: string[]) => JSON.parse(await stats('--json', ...args)) as StatsJson;
    const report = await waitFor('visibility to show every session as it stands', async () => {
      const answer = await read('--by', 'profile', '--since', '1h');
      const byName = new Map(answer.profiles.map((entry) => [entry.profile, entry]));
      const settled =
        answer.matched === 7 &&
        byName.get('alpha')?.outcomes.completed === 2 &&
        byName.get('alpha')?.outcomes.cancelled === 1 &&
        byName.get('beta')?.outcomes.failed === 1 &&
        byName.get('beta')?.outcomes.limit_reached === 1 &&
        byName.get('beta')?.turns.total === 3;
      return settled ? answer : undefined;
    }, 30_000, 500);
    assert.deepEqual([report.by, report.matched, report.read], ['profile', 7, 7]);
    const [beta, alpha] = report.profiles;
    assert.deepEqual(
      [beta.profile, beta.sessions, beta.outcomes, beta.turns, beta.tokens, beta.errors],
      ['beta', 4, { completed: 1, limit_reached: 1, cancelled: 0, failed: 1, running: 1 }, { total: 3, mean: 0.75 }, { total: 330, mean: 82.5 }, { count: 1, rate: 1 / 3 }],
    );
    assert.ok(Math.abs(beta.costUsd.total - 0.0012) < 1e-9, `beta cost ${beta.costUsd.total}`);
    assert.deepEqual(
      [alpha.profile, alpha.sessions, alpha.outcomes, alpha.turns, alpha.tokens, alpha.errors],
      ['alpha', 3, { completed: 2, limit_reached: 0, cancelled: 1, failed: 0, running: 0 }, { total: 3, mean: 1 }, { total: 330, mean: 110 }, { count: 0, rate: 0 }],
    );
    assert.ok(Math.abs(alpha.costUsd.mean - 0.0002) < 1e-9, `alpha cost per session ${alpha.costUsd.mean}`);

    // A visibility clause narrows it; the table says the same for people.
    const narrowed = await read('--query', "KeelProfile = 'alpha'");
    assert.deepEqual(narrowed.profiles.map((entry) => [entry.profile, entry.sessions]), [['alpha', 3]]);
    const lines = (await stats('--since', '1h')).trim().split('\n');
    assert.match(lines[0], /^PROFILE\s+SESSIONS\s+COMPLETED\s+LIMIT\s+CANCELLED\s+FAILED\s+RUNNING\s+TURNS\/S\s+TOKENS\/S\s+COST\/S\s+COST\s+ERRORS$/);
    assert.match(lines[1], /^beta\s+4\s+1\s+1\s+0\s+1\s+1\s+0\.8\s+82\.5\s+\S+\s+\S+\s+1 \(33\.3%\)$/);
    assert.match(lines[2], /^alpha\s+3\s+2\s+0\s+1\s+0\s+0\s+1\s+110\s+\S+\s+\S+\s+0 \(0\.0%\)$/);

    const bad = await runKeel(['stats', '--by', 'tool'], { address: keel.environment.address });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--by tool: expected one of profile/);
    await open.cancel();
  });
});
