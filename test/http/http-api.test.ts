import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { parseApiTokens } from '../../src/http/api-tokens.js';
import { startHttpApi, type RunningHttpApi } from '../../src/http/start-http-api.js';
import { SESSION_WORKFLOW_TYPE } from '../../src/shared/constants.js';
import { keelProfileKey, keelTenantKey } from '../../src/shared/search-attributes.js';
import { defineTool } from '../../src/tools/index.js';
import { textReply, toolCallsReply } from '../harness/scripted-replies.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';
import { apiClient } from './http-api-client.js';

const adminToken = 'admin-0123456789abcdef';
const acmeToken = 'acme-0123456789abcdef';
const globexToken = 'globex-0123456789abcdef';

const note = defineTool({ name: 'note', description: 'Takes a note.', inputSchema: z.object({ text: z.string() }), safeToRetry: true, handler: ({ text }) => `noted ${text}` });

/**
 * A body over the limit is answered before it is read: the answer comes while the client still sends, so this
 * reads it as soon as it arrives, as a careful client does, and ignores the write that the server then cuts.
 */
function postLarge(url: string, token: string, body: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    outgoing.end(body);
  });
}

const task = (content: string, extra: Record<string, unknown> = {}) => ({ profile: 'test', messages: [{ role: 'user', content }], ...extra });

describe('keel serve: the HTTP API', () => {
  // `counted`: a profile of its own, so that the counts test's filter finds its sessions only; it continues as new
  // after each turn, so that a session of several runs is seen counted once.
  const keel = useKeel({ model: {}, worker: { tools: [note], profiles: { ...testProfiles, counted: { ...testProfiles.test, continueAsNewAfterTurns: 1 } } } });
  let api: RunningHttpApi;
  const request = apiClient(() => api.url);

  before(async () => {
    api = keel.closeAfter(
      await startHttpApi({
        sessions: keel.worker.sessions,
        tokens: parseApiTokens(`${adminToken},acme:${acmeToken},globex:${globexToken}`),
        corsOrigins: ['https://app.example'],
        port: 0,
      }),
    );
  });

  test('POST /v1/sessions: starts a session (201 {id}); GET state and transcript read it as the queries do', async () => {
    keel.model.push(textReply('Paris.'));
    const created = await request('POST', '/v1/sessions', { token: adminToken, body: { ...task('Capital of France?'), id: 'http-task-1' } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, { id: 'http-task-1' });
    assert.equal((await keel.worker.sessions.getHandle('http-task-1').result()).finalText, 'Paris.');

    const state = await request('GET', '/v1/sessions/http-task-1', { token: adminToken });
    assert.equal(state.status, 200);
    assert.deepEqual([state.body.status, state.body.turn, state.body.profile], ['completed', 1, 'test']);
    const transcript = await request('GET', '/v1/sessions/http-task-1/transcript?fromIndex=1', { token: adminToken });
    assert.equal(transcript.status, 200);
    assert.deepEqual([transcript.body.fromIndex, transcript.body.total], [1, 2]);
    assert.deepEqual(transcript.body.entries.map((entry: { role: string; content: unknown }) => [entry.role, entry.content]), [['assistant', [{ type: 'text', text: 'Paris.' }]]]);
    // Without an id the API picks one of Keel's form.
    keel.model.push(textReply('ok'));
    const picked = await request('POST', '/v1/sessions', { token: adminToken, body: task('anything') });
    assert.match(picked.body.id, /^session-[0-9a-f-]{36}$/);
    await keel.worker.sessions.getHandle(picked.body.id).result();
  });

  test('POST /v1/sessions/{id}/messages: waits for the turn and answers 200 AssistantTurn; ?wait=false answers 202 and queues it', async () => {
    keel.model.push(textReply('Hello.'), textReply('Second.'), textReply('Third.'));
    const created = await request('POST', '/v1/sessions', { token: adminToken, body: task('Hi', { mode: 'chat', id: 'http-chat-1' }) });
    assert.equal(created.status, 201);
    const reply = await request('POST', '/v1/sessions/http-chat-1/messages', { token: adminToken, body: { content: 'And now?', id: 'm-2' } });
    assert.equal(reply.status, 200);
    assert.deepEqual([reply.body.messageId, reply.body.turn, reply.body.text, reply.body.content], ['m-2', 2, 'Second.', [{ type: 'text', text: 'Second.' }]]);

    const queued = await request('POST', '/v1/sessions/http-chat-1/messages?wait=false', { token: adminToken, body: { content: 'Once more', id: 'm-3' } });
    assert.equal(queued.status, 202);
    assert.deepEqual(queued.body, { id: 'm-3', status: 'accepted' });
    const handle = keel.worker.sessions.getHandle('http-chat-1');
    await waitFor('the third turn', async () => (await handle.state()).turn === 3 && (await handle.state()).status === 'waiting_for_input', 30_000);

    const interrupt = await request('POST', '/v1/sessions/http-chat-1/interrupt', { token: adminToken });
    assert.equal(interrupt.status, 202);
    const reset = await request('POST', '/v1/sessions/http-chat-1/reset-context', { token: adminToken, body: { strategy: 'clear', reason: 'fresh start' } });
    assert.equal(reset.status, 202);
    const budget = await request('POST', '/v1/sessions/http-chat-1/budget', { token: adminToken, body: { maxTokens: 50_000 } });
    assert.equal(budget.status, 200);
    assert.equal(budget.body.maxTokens, 50_000);
    await waitFor('the context reset or the queue drained', async () => (await handle.state()).contextEpoch === 1 || (await handle.state()).queuedMessages === 0, 30_000);

    const cancelled = await request('POST', '/v1/sessions/http-chat-1/cancel', { token: adminToken });
    assert.equal(cancelled.status, 202);
    assert.equal((await handle.result()).status, 'cancelled');
    // An ended session takes no more messages: 409.
    const late = await request('POST', '/v1/sessions/http-chat-1/messages', { token: adminToken, body: { content: 'hello?' } });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.type, 'session_ended');
    // Its id stays its own: a new session cannot take an ended one's place.
    const again = await request('POST', '/v1/sessions', { token: adminToken, body: task('Hi', { id: 'http-chat-1' }) });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.type, 'conflict');
  });

  test('POST /v1/sessions/{id}/tool-decisions: approves a call waiting for approval, which then runs', async () => {
    keel.model.push(toolCallsReply({ id: 'toolu_http_1', name: 'note', input: { text: 'approved' } }), textReply('Noted.'));
    await request('POST', '/v1/sessions', { token: adminToken, body: task('take a note', { id: 'http-approval-1', tools: ['note'], approval: { tools: ['note'] } }) });
    await waitFor('the approval wait', async () => (await request('GET', '/v1/sessions/http-approval-1', { token: adminToken })).body.status === 'waiting_for_approval', 30_000);
    const unknown = await request('POST', '/v1/sessions/http-approval-1/tool-decisions', { token: adminToken, body: { toolUseId: 'toolu_nope', approve: true } });
    assert.equal(unknown.status, 409);
    assert.equal(unknown.body.error.type, 'rejected');
    assert.match(unknown.body.error.message, /no tool call toolu_nope is waiting/);
    const decided = await request('POST', '/v1/sessions/http-approval-1/tool-decisions', { token: adminToken, body: { toolUseId: 'toolu_http_1', approve: true } });
    assert.equal(decided.status, 200);
    assert.deepEqual([decided.body.toolUseId, decided.body.tool, decided.body.decision], ['toolu_http_1', 'note', { toolUseId: 'toolu_http_1', approve: true }]);
    const result = await keel.worker.sessions.getHandle('http-approval-1').result();
    assert.equal(result.finalText, 'Noted.');
  });

  test('errors: 400 names the field, 404 for an unknown session or route, 401 for a missing or wrong token, never a stack trace', async () => {
    const noMessages = await request('POST', '/v1/sessions', { token: adminToken, body: { profile: 'test', messages: [] } });
    assert.equal(noMessages.status, 400);
    assert.equal(noMessages.body.error.type, 'invalid_request');
    assert.match(noMessages.body.error.message, /^invalid body: messages: at least one message is required/);
    const badMode = await request('POST', '/v1/sessions', { token: adminToken, body: task('x', { mode: 'forever' }) });
    assert.match(badMode.body.error.message, /mode:/);
    const badId = await request('POST', '/v1/sessions', { token: adminToken, body: task('x', { id: 'a b' }) });
    assert.match(badId.body.error.message, /id: letters, digits/);
    const notJson = await request('POST', '/v1/sessions', { token: adminToken, rawBody: '{"messages": [' });
    assert.deepEqual([notJson.status, notJson.body.error.type], [400, 'invalid_request']);
    const deep = await request('POST', '/v1/sessions', { token: adminToken, rawBody: `${'['.repeat(100)}${']'.repeat(100)}` });
    assert.match(deep.body.error.message, /nests deeper than 64/);
    const badContent = await request('POST', '/v1/sessions/http-task-1/messages', { token: adminToken, body: { content: 5 } });
    assert.deepEqual([badContent.status, badContent.body.error.type], [400, 'invalid_request']);
    assert.match(badContent.body.error.message, /content/);
    const badLimit = await request('GET', '/v1/sessions?limit=0', { token: adminToken });
    assert.match(badLimit.body.error.message, /^invalid query: limit/);
    const badStatus = await request('GET', '/v1/sessions?status=sleeping', { token: adminToken });
    assert.deepEqual([badStatus.status, badStatus.body.error.type], [400, 'invalid_request']);
    assert.match(badStatus.body.error.message, /unknown status "sleeping"/);
    const tooLarge = await postLarge(`${api.url}/v1/sessions`, adminToken, JSON.stringify(task('x'.repeat(3 * 1024 * 1024))));
    assert.deepEqual([tooLarge.status, tooLarge.body.error.type], [413, 'too_large']);

    for (const path of ['/v1/sessions/no-such-session', '/v1/sessions/no-such-session/transcript', '/v1/no-such-route']) {
      const missing = await request('GET', path, { token: adminToken });
      assert.deepEqual([missing.status, missing.body.error.type], [404, 'not_found'], path);
    }
    const missingSession = await request('POST', '/v1/sessions/no-such-session/messages', { token: adminToken, body: { content: 'hi' } });
    assert.equal(missingSession.status, 404);

    const anonymous = await request('GET', '/v1/sessions', {});
    assert.deepEqual([anonymous.status, anonymous.body.error.type, anonymous.headers.get('www-authenticate')], [401, 'unauthorized', 'Bearer']);
    const wrong = await request('GET', '/v1/sessions/http-task-1', { token: `${adminToken}x` });
    assert.equal(wrong.status, 401);
    const basic = await request('GET', '/v1/sessions', { headers: { authorization: `Basic ${adminToken}` } });
    assert.equal(basic.status, 401);
    for (const answer of [noMessages, notJson, deep, tooLarge, anonymous]) assert.doesNotMatch(JSON.stringify(answer.body), /at .*\.ts:\d+/);
  });

  test("tenants: a tenant's token creates sessions of its tenant, sees and lists only them; another tenant's session is a 404 to it everywhere", async () => {
    keel.model.push(textReply('Acme here.'));
    const created = await request('POST', '/v1/sessions', { token: acmeToken, body: task('Hi', { id: 'acme-chat', mode: 'chat', approval: { tools: ['note'] } }) });
    assert.equal(created.status, 201);
    const acmeHandle = keel.worker.sessions.getHandle('acme-chat');
    await waitFor('the acme session waiting', async () => (await acmeHandle.state()).status === 'waiting_for_input', 30_000);
    assert.equal((await acmeHandle.workflow.describe()).searchAttributes['KeelTenant']?.[0], 'acme');
    const foreign = await request('POST', '/v1/sessions', { token: acmeToken, body: task('Hi', { metadata: { tenant: 'globex' } }) });
    assert.equal(foreign.status, 400);
    assert.match(foreign.body.error.message, /^metadata\.tenant:/);

    for (const [method, path, body] of [
      ['GET', '/v1/sessions/acme-chat', undefined],
      ['GET', '/v1/sessions/acme-chat/transcript', undefined],
      ['POST', '/v1/sessions/acme-chat/messages', { content: 'leak?' }],
      ['POST', '/v1/sessions/acme-chat/tool-decisions', { toolUseId: 'x', approve: true }],
      ['POST', '/v1/sessions/acme-chat/interrupt', {}],
      ['POST', '/v1/sessions/acme-chat/cancel', undefined],
    ] as const) {
      const answer = await request(method, path, { token: globexToken, ...(body ? { body } : {}) });
      const unknown = await request(method, path.replace('acme-chat', 'no-such-session'), { token: globexToken, ...(body ? { body } : {}) });
      assert.deepEqual([answer.status, answer.body], [unknown.status, { error: { ...unknown.body.error, message: unknown.body.error.message.replace('no-such-session', 'acme-chat') } }], `${method} ${path}`);
      assert.equal(answer.status, 404);
    }
    assert.equal((await request('GET', '/v1/sessions/acme-chat', { token: acmeToken })).status, 200);
    assert.equal((await request('GET', '/v1/sessions/acme-chat', { token: adminToken })).status, 200);
    // Sessions no tenant owns are no tenant's either.
    assert.equal((await request('GET', '/v1/sessions/http-task-1', { token: acmeToken })).status, 404);

    // A session another client started with metadata.tenant is its tenant's too: the workflow writes KeelTenant.
    keel.model.push(textReply('Raw.'));
    const raw = await keel.environment.client.workflow.start(SESSION_WORKFLOW_TYPE, {
      taskQueue: keel.worker.taskQueue,
      workflowId: 'globex-raw',
      args: [{ ...task('raw start'), metadata: { tenant: 'globex' } }],
    });
    await raw.result();
    assert.equal((await request('GET', '/v1/sessions/globex-raw', { token: globexToken })).status, 200);
    assert.equal((await request('GET', '/v1/sessions/globex-raw', { token: acmeToken })).status, 404);

    const ids = async (token: string) => ((await request('GET', '/v1/sessions?limit=100', { token })).body.sessions as Array<{ workflowId: string }>).map((session) => session.workflowId).sort();
    await waitFor('both tenants listed', async () => (await ids(acmeToken)).includes('acme-chat') && (await ids(globexToken)).includes('globex-raw'), 30_000);
    assert.deepEqual(await ids(acmeToken), ['acme-chat']);
    assert.deepEqual(await ids(globexToken), ['globex-raw']);
    const all = await ids(adminToken);
    for (const id of ['acme-chat', 'globex-raw', 'http-task-1']) assert.ok(all.includes(id), id);
    const waiting = await request('GET', '/v1/sessions?status=waiting_for_input&profile=test', { token: acmeToken });
    assert.deepEqual(waiting.body.sessions.map((session: { workflowId: string; status: string }) => [session.workflowId, session.status]), [['acme-chat', 'waiting_for_input']]);
    await acmeHandle.cancel();
  });

  test("GET /v1/sessions/counts: sessions per status, of all the filters match, each session once however many runs; a tenant's token counts its own only", async () => {
    const counted = (id: string, extra: Record<string, unknown> = {}) => ({ ...task(`count ${id}`), profile: 'counted', id, ...extra });
    const statusOf = async (id: string) => (await request('GET', `/v1/sessions/${id}`, { token: adminToken })).body.status;
    // Two wait for approval, one by one (the model's replies are taken in order); acme's is then cancelled.
    for (const [token, id] of [[adminToken, 'count-approval'], [acmeToken, 'count-acme-cancelled']] as const) {
      keel.model.push(toolCallsReply({ id: `toolu_${id}`, name: 'note', input: { text: id } }));
      assert.equal((await request('POST', '/v1/sessions', { token, body: counted(id, { tools: ['note'], approval: { tools: ['note'] } }) })).status, 201);
      await waitFor(`${id} waiting for approval`, async () => (await statusOf(id)) === 'waiting_for_approval', 30_000);
    }
    assert.equal((await request('POST', '/v1/sessions/count-acme-cancelled/cancel', { token: acmeToken })).status, 202);
    // Two complete; two chat, each continuing as new after its turn (two runs, one session).
    keel.model.push(...Array.from({ length: 4 }, () => textReply('counted')));
    for (const [token, id, mode] of [
      [adminToken, 'count-done', 'task'],
      [adminToken, 'count-chat', 'chat'],
      [acmeToken, 'count-acme-done', 'task'],
      [acmeToken, 'count-acme-chat', 'chat'],
    ] as const) {
      assert.equal((await request('POST', '/v1/sessions', { token, body: counted(id, { mode }) })).status, 201);
    }
    for (const id of ['count-chat', 'count-acme-chat']) {
      await waitFor(`${id} in its second run`, async () => {
        const description = await keel.worker.sessions.getHandle(id).workflow.describe();
        return description.runId !== description.raw.workflowExecutionInfo?.firstRunId && (await statusOf(id)) === 'waiting_for_input';
      }, 30_000);
    }
    // One failed: another client started it with a bad input (and the search attributes the filters read).
    const failed = await keel.environment.client.workflow.start(SESSION_WORKFLOW_TYPE, {
      taskQueue: keel.worker.taskQueue,
      workflowId: 'count-acme-failed',
      args: [{ messages: [] }],
      typedSearchAttributes: [
        { key: keelProfileKey, value: 'counted' },
        { key: keelTenantKey, value: 'acme' },
      ],
    });
    await assert.rejects(failed.result());

    const zero = { running: 0, waiting_for_input: 0, waiting_for_approval: 0, waiting_for_budget: 0, completed: 0, cancelled: 0, limit_reached: 0, failed: 0, terminated: 0, timed_out: 0 };
    const expected = {
      admin: { counts: { ...zero, waiting_for_input: 2, waiting_for_approval: 1, completed: 2, cancelled: 1, failed: 1 }, total: 7 },
      acme: { counts: { ...zero, waiting_for_input: 1, completed: 1, cancelled: 1, failed: 1 }, total: 4 },
      globex: { counts: zero, total: 0 },
    };
    const countsOf = async (token: string, query = 'profile=counted') => {
      const answer = await request('GET', `/v1/sessions/counts?${query}`, { token });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body;
    };
    // The visibility store is a moment behind: read until it has every session's last status.
    await waitFor('the counts of every session', async () => JSON.stringify(await countsOf(adminToken)) === JSON.stringify(expected.admin), 30_000, 250).catch(() => undefined);
    assert.deepEqual(await countsOf(adminToken), expected.admin);
    assert.deepEqual(await countsOf(acmeToken), expected.acme, "a tenant's token counts its tenant's sessions only");
    assert.deepEqual(await countsOf(globexToken), expected.globex);
    // The list's status filter narrows the counts as it narrows the list.
    assert.deepEqual(await countsOf(adminToken, 'profile=counted&status=completed,waiting_for_input'), { counts: { completed: 2, waiting_for_input: 2 }, total: 4 });
    // The list shows each session once too, by its latest run.
    const listed = ((await request('GET', '/v1/sessions?profile=counted&limit=100', { token: adminToken })).body.sessions as { workflowId: string }[]).map((session) => session.workflowId);
    assert.deepEqual([...listed].sort(), ['count-acme-cancelled', 'count-acme-chat', 'count-acme-done', 'count-acme-failed', 'count-approval', 'count-chat', 'count-done']);

    const badStatus = await request('GET', '/v1/sessions/counts?status=sleeping', { token: adminToken });
    assert.deepEqual([badStatus.status, badStatus.body.error.type], [400, 'invalid_request']);
    assert.equal((await request('GET', '/v1/sessions/counts', {})).status, 401);
    // No session may take the route's name.
    const reserved = await request('POST', '/v1/sessions', { token: adminToken, body: task('x', { id: 'counts' }) });
    assert.deepEqual([reserved.status, reserved.body.error.type], [400, 'invalid_request']);
    assert.match(reserved.body.error.message, /id: reserved/);
    for (const id of ['count-approval', 'count-chat', 'count-acme-chat']) await keel.worker.sessions.getHandle(id).cancel();
  });

  test('CORS: a named origin is answered, preflight included; any other origin gets no CORS headers', async () => {
    const preflight = await fetch(`${api.url}/v1/sessions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
    const allowed = await request('GET', '/v1/sessions?limit=1', { token: adminToken, headers: { origin: 'https://app.example' } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example');
    const other = await request('GET', '/v1/sessions?limit=1', { token: adminToken, headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('GET /v1/openapi.json: an OpenAPI 3.1 document of every route, without a token; real answers validate against its schemas (ajv, JSON Schema 2020-12)', async () => {
    const document = await request('GET', '/v1/openapi.json');
    assert.equal(document.status, 200);
    const spec = document.body;
    assert.equal(spec.openapi, '3.1.0');
    assert.deepEqual(Object.keys(spec.paths).sort(), [
      '/v1/sessions',
      '/v1/sessions/counts',
      '/v1/sessions/{id}',
      '/v1/sessions/{id}/budget',
      '/v1/sessions/{id}/cancel',
      '/v1/sessions/{id}/events',
      '/v1/sessions/{id}/fork',
      '/v1/sessions/{id}/interrupt',
      '/v1/sessions/{id}/messages',
      '/v1/sessions/{id}/profile',
      '/v1/sessions/{id}/reset-context',
      '/v1/sessions/{id}/stored/{hash}',
      '/v1/sessions/{id}/tool-decisions',
      '/v1/sessions/{id}/transcript',
      '/v1/spend',
    ]);
    assert.deepEqual(spec.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
    for (const [path, operations] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) assert.ok(Object.keys(operation.responses).length >= 2, `${method} ${path} lists its answers`);
    }
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const check = (schema: unknown, value: unknown, what: string) => {
      const validate = ajv.compile(schema as object);
      assert.ok(validate(value), `${what}: ${ajv.errorsText(validate.errors)}`);
    };
    const answerSchema = (path: string, method: string, status: number) => spec.paths[path][method].responses[String(status)].content['application/json'].schema;
    check(answerSchema('/v1/sessions/{id}', 'get', 200), (await request('GET', '/v1/sessions/http-task-1', { token: adminToken })).body, 'state');
    check(answerSchema('/v1/sessions/{id}/transcript', 'get', 200), (await request('GET', '/v1/sessions/http-task-1/transcript', { token: adminToken })).body, 'transcript');
    check(answerSchema('/v1/sessions', 'get', 200), (await request('GET', '/v1/sessions?limit=5', { token: adminToken })).body, 'list');
    check(answerSchema('/v1/sessions/counts', 'get', 200), (await request('GET', '/v1/sessions/counts', { token: adminToken })).body, 'counts');
    check(answerSchema('/v1/spend', 'get', 200), (await request('GET', '/v1/spend?days=7', { token: adminToken })).body, 'spend');
    check(answerSchema('/v1/sessions', 'post', 400), (await request('POST', '/v1/sessions', { token: adminToken, body: {} })).body, 'an error');
    // The request schema is the session's own: a valid SessionInput passes it, a bad one does not.
    const body = spec.paths['/v1/sessions'].post.requestBody.content['application/json'].schema;
    check(body, { ...task('hello', { mode: 'chat', limits: { maxTurns: 3 } }), id: 'a-session' }, 'a session input');
    assert.equal(ajv.compile(body)({ messages: [{ role: 'user', content: 'x' }], surprise: true }), false);
  });
});
