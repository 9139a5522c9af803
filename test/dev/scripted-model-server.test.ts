import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { offlineDemoResponder, startScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import type {
  ScriptedModelServer,
  ScriptedModelServerOptions,
  ScriptedReply,
} from '../../src/dev/scripted-model/index.js';

/** Starts a server that the test closes on exit, and a real SDK client with its own retries off. */
async function setup(
  t: TestContext,
  options: ScriptedModelServerOptions = {},
): Promise<{ server: ScriptedModelServer; client: Anthropic }> {
  const server = await startScriptedModelServer(options);
  t.after(() => server.close());
  return { server, client: new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 }) };
}

const bashTool: Tool = {
  name: 'bash',
  description: 'Run a shell command.',
  input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
};

type RequestExtras = Partial<MessageCreateParamsNonStreaming>;

function request(messages: MessageParam[], extra: RequestExtras = {}): MessageCreateParamsNonStreaming {
  return { model: 'claude-test', max_tokens: 256, messages, ...extra };
}

const hello: MessageParam[] = [{ role: 'user', content: 'Hello' }];
const withBash: RequestExtras = { tools: [bashTool] };
const withBashAndThinking: RequestExtras = {
  tools: [bashTool],
  thinking: { type: 'enabled', budget_tokens: 1024 },
  max_tokens: 2048,
};

function textReply(text: string): ScriptedReply {
  return { kind: 'message', content: [{ type: 'text', text }] };
}

/** The rejection of a promise that is expected to fail, for assertions beyond `assert.rejects`. */
function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected the request to fail'),
    (error: unknown) => error,
  );
}

test('scripted model server: non-streaming text reply is a complete Message', async (t) => {
  const { server, client } = await setup(t, { script: [textReply('Hi there.')] });

  const message = await client.messages.create(request(hello));

  assert.match(message.id, /^msg_/);
  assert.equal(message.model, 'claude-test');
  assert.deepEqual(message.content, [{ type: 'text', text: 'Hi there.' }]);
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.stop_sequence, null);
  assert.ok(message.usage.input_tokens > 0);
  assert.equal(message.usage.output_tokens, 2);
  assert.equal(message.usage.cache_read_input_tokens, 0);
  assert.match(message._request_id ?? '', /^req_/);
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0]!.path, '/v1/messages');
  assert.equal(server.requests[0]!.stream, false);
  assert.equal(server.requests[0]!.reply, 'message');
  assert.deepEqual(server.requests[0]!.body.messages, hello);
});

test('scripted model server: stream of text and tool_use reassembles in finalMessage', async (t) => {
  const input = { command: 'ls -la /tmp && echo "done"', options: { depth: 2, tags: ['a', 'b'] } };
  const { server, client } = await setup(t, {
    script: [
      {
        kind: 'message',
        content: [
          { type: 'text', text: 'Let me look at the directory listing first.' },
          { type: 'tool_use', name: 'bash', input },
        ],
        usage: { input_tokens: 42, output_tokens: 17 },
      },
    ],
  });

  const stream = client.messages.stream(request(hello, withBash));
  const textDeltas: string[] = [];
  stream.on('text', (delta) => textDeltas.push(delta));
  const message = await stream.finalMessage();

  assert.ok(textDeltas.length > 1, 'text arrives in several deltas');
  assert.equal(message.content.length, 2);
  assert.deepEqual(message.content[0], { type: 'text', text: 'Let me look at the directory listing first.' });
  const toolUse = message.content[1]!;
  assert.equal(toolUse.type, 'tool_use');
  assert.match(toolUse.type === 'tool_use' ? toolUse.id : '', /^toolu_/);
  assert.deepEqual(toolUse.type === 'tool_use' ? toolUse.input : undefined, input);
  assert.equal(message.stop_reason, 'tool_use');
  assert.equal(message.usage.input_tokens, 42);
  assert.equal(message.usage.output_tokens, 17);
  assert.equal(server.requests[0]!.stream, true);
});

test('scripted model server: thinking blocks stream with their signature and pass validation when sent back', async (t) => {
  const { server, client } = await setup(t, {
    script: [
      {
        kind: 'message',
        content: [
          { type: 'thinking', thinking: 'The user wants a listing; bash can do that.', signature: 'c2lnbmF0dXJlLTE=' },
          { type: 'tool_use', name: 'bash', input: { command: 'ls' } },
        ],
      },
      { kind: 'message', content: [{ type: 'thinking', thinking: 'Done.' }, { type: 'text', text: 'Listed.' }] },
    ],
  });

  const first = await client.messages.stream(request(hello, withBashAndThinking)).finalMessage();
  assert.deepEqual(first.content[0], {
    type: 'thinking',
    thinking: 'The user wants a listing; bash can do that.',
    signature: 'c2lnbmF0dXJlLTE=',
  });
  const toolUse = first.content[1]!;
  assert.equal(toolUse.type, 'tool_use');

  const history: MessageParam[] = [
    ...hello,
    { role: 'assistant', content: first.content },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: toolUse.type === 'tool_use' ? toolUse.id : '', content: 'a.txt' }],
    },
  ];
  const second = await client.messages.stream(request(history, withBashAndThinking)).finalMessage();

  const generated = second.content[0]!;
  assert.equal(generated.type, 'thinking');
  assert.ok(generated.type === 'thinking' && generated.signature.length > 0, 'a signature is generated');
  assert.deepEqual(
    server.requests.map((recorded) => recorded.reply),
    ['message', 'message'],
  );
});

test('scripted model server: 429 with retry-after surfaces as RateLimitError carrying the header', async (t) => {
  const { server, client } = await setup(t, { script: [{ kind: 'http-error', status: 429, retryAfterSeconds: 7 }] });

  const error = await failureOf(client.messages.create(request(hello)));

  assert.ok(error instanceof Anthropic.RateLimitError, `got ${String(error)}`);
  assert.equal(error.status, 429);
  assert.equal(error.headers.get('retry-after'), '7');
  assert.equal(error.type, 'rate_limit_error');
  assert.match(error.requestID ?? '', /^req_/);
  assert.equal(server.requests[0]!.reply, 'http-error');
});

test('scripted model server: 529 surfaces as OverloadedError', async (t) => {
  const { client } = await setup(t, { script: [{ kind: 'http-error', status: 529, message: 'Overloaded for a bit' }] });

  const error = await failureOf(client.messages.create(request(hello)));

  assert.ok(error instanceof Anthropic.APIError && error.status === 529, `got ${String(error)}`);
  assert.equal(error.constructor.name, 'OverloadedError');
  assert.equal(error.type, 'overloaded_error');
  assert.equal(error.apiMessage, 'Overloaded for a bit');
});

test('scripted model server: stream-error event makes the SDK stream throw the API error', async (t) => {
  const { server, client } = await setup(t, { script: [{ kind: 'stream-error', afterEvents: 4 }] });

  const stream = client.messages.stream(request(hello));
  const error = await failureOf(stream.finalMessage());

  assert.ok(error instanceof Anthropic.APIError, `got ${String(error)}`);
  assert.equal(error.type, 'overloaded_error');
  assert.equal(server.requests[0]!.reply, 'stream-error');
});

test('scripted model server: dropped connection mid-stream makes the SDK throw a connection error', async (t) => {
  const { client } = await setup(t, { script: [{ kind: 'drop-connection', afterEvents: 3 }] });

  const error = await failureOf(client.messages.stream(request(hello)).finalMessage());

  assert.ok(error instanceof Error, `got ${String(error)}`);
  assert.ok(!(error instanceof Anthropic.APIError && error.status !== undefined), 'not an HTTP status error');
  const description = `${error.message} ${String((error as { cause?: unknown }).cause)}`;
  assert.match(description, /terminated|socket|connection|closed/i);
});

test('scripted model server: connection dropped before any byte surfaces as APIConnectionError', async (t) => {
  const { client } = await setup(t, { script: [{ kind: 'drop-connection', afterEvents: 0 }] });

  await assert.rejects(client.messages.create(request(hello)), Anthropic.APIConnectionError);
});

test('scripted model server: api key is accepted from x-api-key and from Authorization Bearer, and recorded', async (t) => {
  const { server } = await setup(t, {
    apiKey: 'test-key',
    script: [
      { kind: 'message', content: [{ type: 'text', text: 'one' }] },
      { kind: 'message', content: [{ type: 'text', text: 'two' }] },
    ],
  });
  // SDK 1.x sends `apiKey` as a Bearer token; the API's classic header has to be set explicitly.
  const viaHeader = new Anthropic({
    apiKey: 'ignored',
    baseURL: server.url,
    maxRetries: 0,
    defaultHeaders: { 'x-api-key': 'test-key', Authorization: null },
  });
  const viaBearer = new Anthropic({ authToken: 'test-key', baseURL: server.url, maxRetries: 0 });

  await viaHeader.messages.create(request(hello));
  await viaBearer.messages.create(request(hello));

  const [first, second] = server.requests;
  assert.equal(first!.headers['x-api-key'], 'test-key');
  assert.equal(first!.apiKey, 'test-key');
  assert.equal(second!.headers['authorization'], 'Bearer test-key');
  assert.equal(second!.apiKey, 'test-key');
});

test('scripted model server: wrong key is answered 401 AuthenticationError and recorded as rejected', async (t) => {
  const { server } = await setup(t, { apiKey: 'right-key', script: [textReply('x')] });
  const client = new Anthropic({ apiKey: 'wrong-key', baseURL: server.url, maxRetries: 0 });

  await assert.rejects(client.messages.create(request(hello)), Anthropic.AuthenticationError);

  assert.equal(server.requests[0]!.reply, 'rejected');
  assert.equal(server.requests[0]!.apiKey, 'wrong-key');
  assert.equal(server.pending(), 1, 'a rejected request does not consume a scripted reply');
});

test('scripted model server: tool_result without a matching tool_use is rejected as the API does', async (t) => {
  const { server, client } = await setup(t, { script: [{ kind: 'message', content: [{ type: 'text', text: 'x' }] }] });
  const messages: MessageParam[] = [
    ...hello,
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'bash', input: { command: 'ls' } }] },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_a', content: 'ok' },
        { type: 'tool_result', tool_use_id: 'toolu_missing', content: 'ok' },
      ],
    },
  ];

  const error = await failureOf(client.messages.create(request(messages, withBash)));

  assert.ok(error instanceof Anthropic.BadRequestError, `got ${String(error)}`);
  assert.equal(error.type, 'invalid_request_error');
  assert.match(
    error.apiMessage ?? '',
    /^messages\.2\.content\.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_missing\./,
  );
  assert.equal(server.requests[0]!.reply, 'rejected');
  assert.equal(server.pending(), 1);
});

test('scripted model server: tool_use left without a tool_result in the next message is rejected', async (t) => {
  const { client } = await setup(t);
  const messages: MessageParam[] = [
    ...hello,
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'bash', input: { command: 'ls' } }] },
    { role: 'user', content: 'never mind' },
  ];

  const error = await failureOf(client.messages.create(request(messages, withBash)));

  assert.ok(error instanceof Anthropic.BadRequestError, `got ${String(error)}`);
  assert.match(
    error.apiMessage ?? '',
    /^messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a\./,
  );
});

test('scripted model server: thinking-enabled tool-use history without its thinking block is rejected', async (t) => {
  const { client } = await setup(t);
  const messages: MessageParam[] = [
    ...hello,
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a', content: 'a.txt' }] },
  ];

  const error = await failureOf(client.messages.create(request(messages, withBashAndThinking)));

  assert.ok(error instanceof Anthropic.BadRequestError, `got ${String(error)}`);
  assert.match(
    error.apiMessage ?? '',
    /^messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`\./,
  );
});

test('scripted model server: malformed request fields are named in the 400 message', async (t) => {
  const { server, client } = await setup(t);
  const base = { model: 'm', max_tokens: 10, messages: hello };
  const cases: Array<[unknown, RegExp]> = [
    [{ ...base, model: undefined }, /^model: Field required$/],
    [{ ...base, max_tokens: 0 }, /^max_tokens: Input should be greater than or equal to 1$/],
    [{ ...base, messages: [] }, /^messages: List should have at least 1 item/],
    [{ ...base, messages: [{ role: 'assistant', content: 'hi' }] }, /first message must use the "user" role/],
    [
      { ...base, messages: [{ role: 'user', content: [{ type: 'video' }] }] },
      /^messages\.0\.content\.0\.type: Input tag 'video' found using 'type' does not match/,
    ],
    [{ ...base, messages: [{ role: 'user', content: '' }] }, /^messages\.0: all messages must have non-empty content/],
    [{ ...base, tools: [{ name: 'x' }] }, /^tools\.0\.custom\.input_schema: Field required$/],
    [{ ...base, thinking: { type: 'enabled', budget_tokens: 1024 } }, /`max_tokens` must be greater than `thinking/],
  ];

  for (const [body, expected] of cases) {
    // Cast: these bodies are wrong on purpose, and the SDK sends them as given.
    const error = await failureOf(client.messages.create(body as MessageCreateParamsNonStreaming));
    assert.ok(error instanceof Anthropic.BadRequestError, `got ${String(error)} for ${JSON.stringify(body)}`);
    assert.match(error.apiMessage ?? '', expected);
  }
  assert.ok(server.requests.every((recorded) => recorded.reply === 'rejected'));
});

test('scripted model server: consecutive user messages are accepted, as the real API merges them', async (t) => {
  const { client } = await setup(t, { script: [{ kind: 'message', content: [{ type: 'text', text: 'ok' }] }] });

  const message = await client.messages.create(request([...hello, { role: 'user', content: 'Are you there?' }]));

  assert.equal(message.stop_reason, 'end_turn');
});

test('scripted model server: exhausted script is a loud 400 naming the request', async (t) => {
  const { server, client } = await setup(t, { script: [textReply('only one')] });
  await client.messages.create(request(hello));

  const error = await failureOf(client.messages.create(request(hello)));

  assert.ok(error instanceof Anthropic.BadRequestError, `got ${String(error)}`);
  assert.equal(error.apiMessage, 'scripted model server: script exhausted (request #2)');
  assert.equal(error.headers.get('x-should-retry'), 'false');
  assert.equal(server.requests.length, 2);
  assert.equal(server.requests[1]!.reply, 'rejected');
});

test('scripted model server: responder answers once the queue is empty, and push refills the queue', async (t) => {
  const seen: number[] = [];
  const { server, client } = await setup(t, {
    script: [{ kind: 'message', content: [{ type: 'text', text: 'from the script' }] }],
    responder: (recorded) => {
      seen.push(recorded.id);
      return { kind: 'message', content: [{ type: 'text', text: `computed for #${recorded.id}` }] };
    },
  });

  const first = await client.messages.create(request(hello));
  const second = await client.messages.create(request(hello));
  server.push({ kind: 'message', content: [{ type: 'text', text: 'pushed' }] });
  assert.equal(server.pending(), 1);
  const third = await client.messages.create(request(hello));

  assert.deepEqual(
    [first, second, third].map((message) => (message.content[0]?.type === 'text' ? message.content[0].text : '')),
    ['from the script', 'computed for #2', 'pushed'],
  );
  assert.deepEqual(seen, [2]);
  assert.throws(() => server.push({ kind: 'http-error', status: 200 }), TypeError);
});

test('scripted model server: failing responder is a loud 400 naming the request, and validate false skips checks', async (t) => {
  const { server, client } = await setup(t, {
    validate: false,
    responder: () => {
      throw new Error('no idea what to say');
    },
  });

  // Not a valid request (no max_tokens), yet it reaches the responder because validation is off.
  const body = { model: 'claude-test', messages: hello } as unknown as MessageCreateParamsNonStreaming;
  const error = await failureOf(client.messages.create(body));

  assert.ok(error instanceof Anthropic.BadRequestError, `got ${String(error)}`);
  assert.equal(error.apiMessage, 'scripted model server: responder failed on request #1: no idea what to say');
  assert.equal(server.requests[0]!.reply, 'rejected');
});

test('scripted model server: hanging request is ended by close without leaving the test hanging', async (t) => {
  const { server, client } = await setup(t, { script: [{ kind: 'hang' }] });

  const pending = client.messages.create(request(hello));
  while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(server.requests[0]!.reply, 'hang');
  await server.close();

  await assert.rejects(pending, Anthropic.APIConnectionError);
});

test('scripted model server: latencyMs and chunkDelayMs slow the reply down', async (t) => {
  const { client } = await setup(t, {
    latencyMs: 60,
    script: [{ ...textReply('a text long enough for several deltas'), chunkDelayMs: 10 } as ScriptedReply],
  });

  const startedAt = Date.now();
  await client.messages.stream(request(hello)).finalMessage();

  // 60 ms before the first byte, then 10 ms between each of about ten events.
  assert.ok(Date.now() - startedAt >= 120, `took ${Date.now() - startedAt} ms`);
});

test('offlineDemoResponder: plans, calls bash once, then ends the turn, labelled as the offline model', async (t) => {
  const { client } = await setup(t, { responder: offlineDemoResponder() });

  const first = await client.messages.stream(request(hello, withBash)).finalMessage();
  const toolUse = first.content.find((block) => block.type === 'tool_use');
  assert.equal(first.stop_reason, 'tool_use');
  assert.ok(toolUse?.type === 'tool_use');
  assert.equal(toolUse.name, 'bash');
  assert.deepEqual(Object.keys(toolUse.input as object), ['command']);
  const firstText = first.content.find((block) => block.type === 'text');
  assert.match(firstText?.type === 'text' ? firstText.text : '', /offline scripted model/);

  const history: MessageParam[] = [
    ...hello,
    { role: 'assistant', content: first.content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'hello from the sandbox' }] },
  ];
  const second = await client.messages.create(request(history, withBash));
  assert.equal(second.stop_reason, 'end_turn');
  const secondText = second.content[0]?.type === 'text' ? second.content[0].text : '';
  assert.match(secondText, /offline scripted model/);
  assert.match(secondText, /hello from the sandbox/);

  const third = await client.messages.create(
    request([...history, { role: 'assistant', content: second.content }, { role: 'user', content: 'More?' }], withBash),
  );
  assert.equal(third.stop_reason, 'end_turn', 'the tool is used only once per conversation');
});

test('offlineDemoResponder: keeps a thinking block before its tool call when thinking is enabled', async (t) => {
  const { client } = await setup(t, { responder: offlineDemoResponder() });

  const first = await client.messages.create(request(hello, withBashAndThinking));
  const toolUse = first.content.find((block) => block.type === 'tool_use');
  assert.ok(toolUse?.type === 'tool_use');
  const second = await client.messages.create(
    request(
      [
        ...hello,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'ok' }] },
      ],
      withBashAndThinking,
    ),
  );

  assert.equal(first.content[0]?.type, 'thinking');
  assert.equal(second.stop_reason, 'end_turn');
});

test('scripted-model/main: prints its url as one JSON line and exits cleanly on SIGTERM', async (t) => {
  const mainPath = fileURLToPath(new URL('../../src/dev/scripted-model/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));

  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { url } = JSON.parse(line) as { url: string };
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const client = new Anthropic({ apiKey: 'test-key', baseURL: url, maxRetries: 0 });
  const message = await client.messages.create(request(hello));
  assert.match(message.content[0]?.type === 'text' ? message.content[0].text : '', /offline scripted model/);

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});
