import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelCallResponse } from '../../src/shared/schemas/model-call.js';
import { profileSchema, type ResolvedProfile } from '../../src/shared/schemas/profile.js';
import type { RubricGradeRequest } from '../../src/shared/schemas/rubric-grade.js';
import { buildRubricRequest, readRubricVerdict } from '../../src/workflows/rubric-grading.js';

/** $3 and $15 per million tokens: 1,000 in and 200 out cost $0.006. */
const judge: ResolvedProfile = {
  name: 'judge',
  ...profileSchema.parse({
    model: 'claude-judge-1',
    maxOutputTokens: 16_000,
    thinking: { type: 'enabled', budgetTokens: 4096 },
    sampling: { stopSequences: ['STOP'] },
    promptCaching: { enabled: true },
    pricing: { inputPerMillionUsd: 3, outputPerMillionUsd: 15 },
  }),
};
const request: RubricGradeRequest = {
  rubric: { name: 'quality', text: 'Score 1..5 for care.', profile: 'judge' },
  comparison: { recorded: { profile: 'old', model: 'claude-old', outcome: 'completed', turns: 2, costUsd: 0.01 }, candidate: { profile: 'new', outcome: 'limit_reached', turns: 5 } },
  transcripts: { recorded: 'user: job 1\n\nassistant: done', candidate: 'user: job 1\n\nassistant: [tool call bash {}]' },
};
const usage = { inputTokens: 1000, outputTokens: 200, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
const answer = (content: ModelCallResponse['content'], stopReason = 'tool_use'): ModelCallResponse => ({ id: 'msg_1', model: 'claude-judge-1', content, stopReason, usage });
const verdictCall = (input: unknown): ModelCallResponse['content'][number] => ({ type: 'tool_use', id: 'toolu_1', name: 'record_verdict', input });

describe('rubric grading', () => {
  test('buildRubricRequest: the profile\'s model with one verdict tool it must call, no thinking, stop sequences or cache, a verdict-sized output budget, and the rubric with both transcripts and their figures', () => {
    const call = buildRubricRequest(judge, request, 'eval-x-1/rubric-quality');
    assert.equal(call.model, 'claude-judge-1');
    assert.equal(call.toolChoice, 'any');
    assert.deepEqual(call.tools?.map((tool) => tool.name), ['record_verdict']);
    assert.equal(call.thinking, undefined);
    assert.equal(call.stopSequences, undefined);
    assert.equal(call.cache, undefined);
    assert.equal(call.maxOutputTokens, 4096);
    assert.equal(call.inlineReply, true);
    assert.match(call.system ?? '', /record_verdict/);
    assert.equal(call.messages.length, 1);
    const content = call.messages[0]!.content as string;
    assert.match(content, /<rubric>\nScore 1\.\.5 for care\.\n<\/rubric>/);
    assert.match(content, /<recorded_session profile="old" model="claude-old" outcome="completed" turns="2" costUsd="0.01">\nuser: job 1\n\nassistant: done\n<\/recorded_session>/);
    assert.match(content, /<re_run profile="new" outcome="limit_reached" turns="5">\nuser: job 1\n\nassistant: \[tool call bash \{\}\]\n<\/re_run>/);
  });

  test('readRubricVerdict: a valid verdict is the grade, with what the call cost at the profile\'s prices', () => {
    const grade = readRubricVerdict(judge, request, answer([verdictCall({ scale: '1..5', score: 3, verdict: 'fine', reasons: ['a', 'b'] })]));
    assert.deepEqual(grade, { grader: 'quality', score: 3, scale: '1..5', verdict: 'fine', reasons: ['a', 'b'], costUsd: 0.006 });
  });

  test('readRubricVerdict: a score off its scale, missing fields, or no verdict call is the grade\'s error, and the call still costs', () => {
    const offScale = readRubricVerdict(judge, request, answer([verdictCall({ scale: '0..1', score: 4, verdict: 'good', reasons: [] })]));
    assert.match(offScale.error ?? '', /verdict \(judge\) does not hold: score: 4 is outside the scale 0\.\.1/);
    assert.equal(offScale.costUsd, 0.006);
    assert.equal(offScale.score, undefined);
    const missing = readRubricVerdict(judge, request, answer([verdictCall({ score: 1 })]));
    assert.match(missing.error ?? '', /scale/);
    assert.match(missing.error ?? '', /verdict/);
    const prose = readRubricVerdict(judge, request, answer([{ type: 'text', text: 'I would say 4 out of 5.' }], 'end_turn'));
    assert.match(prose.error ?? '', /answered without a verdict \(stop reason end_turn\): I would say 4 out of 5\./);
    assert.equal(prose.costUsd, 0.006);
  });
});
