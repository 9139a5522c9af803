/**
 * `keel serve` as a process: it refuses to listen beyond loopback without tokens, and a burst of concurrent
 * connections and of malformed requests leaves it answering with its memory flat (resident memory read from /proc,
 * the JavaScript heap after a full collection read through the inspector, as a person's profiler would).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connectDevtools, type DevtoolsClient } from '../harness/devtools-client.js';
import { freePort } from '../harness/free-port.js';
import { runKeel, startKeel, type LiveKeel } from '../harness/keel-cli.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

const token = 'serve-0123456789abcdef';

/** Resident memory of a process, MiB. */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((candidate) => candidate.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) / 1024;
}

/** The server's live JavaScript heap after a full collection (twice: the first frees what finalizers held), MiB. */
async function heapAfterCollectionMiB(inspector: DevtoolsClient): Promise<number> {
  await inspector.send('HeapProfiler.collectGarbage');
  await inspector.send('HeapProfiler.collectGarbage');
  const { usedSize } = await inspector.send<{ usedSize: number }>('Runtime.getHeapUsage');
  return usedSize / 1024 / 1024;
}

/** Sends `bytes` on a connection of its own and reads until the server closes it or `timeoutMs` passes. */
function raw(port: number, bytes: string | Buffer, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      // One answer is enough: the connection may stay open for the next request.
      if (/\r\n\r\n/.test(answer) && /content-length: (\d+)/i.test(answer)) {
        const length = Number(/content-length: (\d+)/i.exec(answer)![1]);
        if (Buffer.byteLength(answer.split('\r\n\r\n').slice(1).join('\r\n\r\n'), 'latin1') >= length) done();
      }
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.end(bytes);
  });
}

const malformed = (index: number): string | Buffer => {
  const request = (head: string, body = '') => `${head}\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${body}`;
  switch (index % 10) {
    case 0:
      return 'NOT HTTP AT ALL\r\n\r\n';
    case 1:
      return request('POST /v1/sessions HTTP/1.1', '{"messages": [');
    case 2:
      return request('POST /v1/sessions HTTP/1.1', `${'['.repeat(5_000)}${']'.repeat(5_000)}`);
    case 3:
      return `GET /v1/sessions HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(40_000)}\r\n\r\n`;
    case 4:
      return request('POST /v1/sessions/x/messages HTTP/1.1', '{"content": 5}');
    case 5:
      return `POST /v1/sessions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-length: 1073741824\r\ncontent-type: application/json\r\n\r\n{"a":`;
    case 6:
      return request('GET /v1/sessions?limit=-5&status=%ZZ HTTP/1.1');
    case 7:
      return `GET /v1/sessions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${'x'.repeat(5_000)}\r\nconnection: close\r\n\r\n`;
    case 8:
      return Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01, 0x00, 0x00, 0xfb, 0x03, 0x03]);
    default:
      return request('POST /v1/sessions HTTP/1.1', JSON.stringify({ profile: 'test', messages: [{ role: 'robot', content: 'hi' }], id: '../../etc' }));
  }
};

describe('keel serve: the command', () => {
  const keel = useKeel();
  let serve: LiveKeel;
  let port: number;
  let inspector: DevtoolsClient | undefined;

  before(async () => {
    port = await freePort();
    // The inspector on a free port of loopback, to read the server's heap; it changes nothing else of the process.
    serve = startKeel(['serve', '--port', String(port)], { address: keel.environment.address, env: { KEEL_API_TOKENS: token, NODE_OPTIONS: '--inspect=127.0.0.1:0' } });
    await serve.waitForOutput('keel serve: listening', 60_000);
    await waitFor('the inspector of keel serve', () => /ws:\/\/127\.0\.0\.1:\d+\/\S+/.test(serve.stderr()), 10_000);
    inspector = await connectDevtools(/ws:\/\/127\.0\.0\.1:\d+\/\S+/.exec(serve.stderr())![0]);
  });
  after(async () => {
    inspector?.close();
    serve?.kill('SIGTERM');
    await serve?.exited;
  });

  test('keel serve: refuses to listen beyond loopback without KEEL_API_TOKENS, naming it', async () => {
    const run = await runKeel(['serve', '--host', '0.0.0.0', '--port', '0'], { address: keel.environment.address });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /0\.0\.0\.0, which is not loopback, it requires KEEL_API_TOKENS/);
    const short = await runKeel(['serve', '--port', '0'], { address: keel.environment.address, env: { KEEL_API_TOKENS: 'acme:short' } });
    assert.equal(short.code, 2);
    assert.match(short.stderr, /KEEL_API_TOKENS entry 1: a token has at least 16 characters/);
    assert.doesNotMatch(short.stderr, /short/);
  });

  test('keel serve: 500 concurrent connections and 1,000 malformed requests leave it answering, its memory flat', async (t) => {
    const base = `http://127.0.0.1:${port}`;
    const pid = serve.child.pid!;
    const round = async () => {
      // 500 connections at once: half read the OpenAPI document, half ask Temporal about a session that is not there.
      const answers = await Promise.all(
        Array.from({ length: 500 }, (_, index) =>
          fetch(index % 2 === 0 ? `${base}/v1/openapi.json` : `${base}/v1/sessions/load-${index}`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } }).then(
            async (response) => (await response.arrayBuffer(), response.status),
          ),
        ),
      );
      // A 408 is the server's own header/request timeout on a busy machine (seen with a second suite running): an
      // answer, not a failure. Never a 5xx.
      const kinds = [...new Set(answers)].sort();
      assert.ok(kinds.includes(200) && kinds.includes(404), `answers: ${kinds.join(', ')}`);
      assert.deepEqual(kinds.filter((status) => status !== 200 && status !== 404 && status !== 408), []);
      const refused = await Promise.all(Array.from({ length: 1_000 }, (_, index) => raw(port, malformed(index))));
      // Each malformed request is answered with a 4xx (or the connection closed), never a 5xx or a stack.
      for (const answer of refused) {
        assert.doesNotMatch(answer, /^HTTP\/1\.1 5/);
        assert.doesNotMatch(answer, /\.ts:\d+/);
      }
      return refused;
    };
    await round();
    const warm = rssMiB(pid);
    const warmHeap = await heapAfterCollectionMiB(inspector!);
    const rss = [warm];
    let refused: string[] = [];
    for (let index = 0; index < 2; index += 1) {
      refused = await round();
      rss.push(rssMiB(pid));
    }
    const endHeap = await heapAfterCollectionMiB(inspector!);
    t.diagnostic(`keel serve rss after each round: ${rss.map((value) => value.toFixed(1)).join(', ')} MiB (500 connections and 1,000 malformed requests each)`);
    t.diagnostic(`keel serve heap after a full collection: ${warmHeap.toFixed(2)} MiB after the first round, ${endHeap.toFixed(2)} MiB after two more`);
    // Whether memory stays flat is read from the heap after a full collection, not from the process's resident size:
    // RSS follows the allocator, not what is kept. Measured over five rounds on this test, RSS went 267, 300, 215,
    // 200, 285 MiB while the heap after a collection went from 42.08 to 42.59 MiB; with glibc's arenas capped
    // (MALLOC_ARENA_MAX=2) it grew 38 MiB over two rounds where uncapped it grew 54-64. What the resident size must
    // show is that 500 connections at once cost a bounded amount, not the sum of what every round held.
    assert.ok(Math.max(...rss) < 512, `rss reached ${Math.max(...rss).toFixed(1)} MiB`);
    // The two rounds after the first make 3,000 requests: anything a request leaves behind, even 1 KiB (a
    // socket's record, a session lookup kept, a listener), would add 3 MiB or more. What the heap may still grow
    // by is what a full collection does not take back at once and does not grow with requests: compiled code and
    // the inline caches of paths the first round took less often. Measured on this test: 0.35 MiB; with one abort
    // listener left behind per Temporal call (Temporal's connection never removes them), 5.2 MiB.
    assert.ok(endHeap - warmHeap < 2, `the heap grew from ${warmHeap.toFixed(2)} to ${endHeap.toFixed(2)} MiB after a full collection`);
    const statuses = refused.map((answer) => /^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 'closed');
    const byStatus = Object.fromEntries([...new Set(statuses)].map((status) => [status, statuses.filter((other) => other === status).length]));
    t.diagnostic(`malformed requests answered: ${JSON.stringify(byStatus)}`);
    assert.ok(statuses.every((status) => status === 'closed' || /^4\d\d$/.test(status)));
    const still = await fetch(`${base}/v1/sessions?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(still.status, 200);
  });
});
