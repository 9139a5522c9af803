/**
 * The fixture of the files that stream through `keel serve`: a worker publishing to a local event hub in a folder
 * of the file's own, and the HTTP API on a free port whose session client reads that hub. Registers `before` and
 * `after` like `useKeel`; the API and its event feed stop before the server does (the feed's watches use its
 * connection; once both have closed, no call of theirs is in flight).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { loadGrantKey } from '../../src/codec/fork-grant.js';
import { LocalEventHub } from '../../src/events/local/local-event-hub.js';
import { LocalEventSource } from '../../src/events/local/local-event-source.js';
import { parseApiTokens } from '../../src/http/api-tokens.js';
import { startHttpApi, type RunningHttpApi, type StartHttpApiOptions } from '../../src/http/start-http-api.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import type { KeelWorkerOptions } from '../../src/worker/create-keel-worker.js';
import { createKeelFixture, type Keel } from '../harness/use-keel.js';

export interface StreamingApiOptions {
  /** `KEEL_API_TOKENS` as the server would read it. */
  tokens: string;
  /** Custom tools of the worker. */
  tools?: KeelWorkerOptions['tools'];
  /** The worker's profiles. @default the test profiles */
  profiles?: Record<string, ProfileConfig>;
  maxStreamsPerToken?: number;
  /** The console's settings (`keel serve` serves it by default). */
  console?: StartHttpApiOptions['console'];
}

export interface StreamingApi {
  readonly keel: Keel;
  /** The API's base URL (after `before`). */
  url(): string;
  /** The API's event streams open now. */
  openStreams(): number;
  /** A new reader of the worker's event hub, for another session client. */
  eventSource(): LocalEventSource;
}

export function useStreamingApi(options: StreamingApiOptions): StreamingApi {
  const directory = mkdtempSync(join(tmpdir(), 'keel-http-stream-test-'));
  const fixture = createKeelFixture({
    model: {},
    worker: async () => ({
      ...(options.tools ? { tools: options.tools } : {}),
      ...(options.profiles ? { profiles: options.profiles } : {}),
      events: await LocalEventHub.shared(directory),
    }),
  });
  let api: RunningHttpApi | undefined;
  let sessions: SessionClient | undefined;
  before(async () => {
    await fixture.start();
    sessions = new SessionClient({ client: fixture.keel.environment.client, taskQueue: fixture.keel.worker.taskQueue, events: new LocalEventSource({ directory }) });
    api = await startHttpApi({
      sessions,
      // The workers' store and key (from their data folder, as `keel serve` beside them reads it): stored content, forks.
      store: fixture.keel.environment.store,
      grantKey: loadGrantKey(fixture.keel.environment.dataDir, { create: false }, {}),
      tokens: parseApiTokens(options.tokens),
      port: 0,
      ...(options.maxStreamsPerToken !== undefined ? { maxStreamsPerToken: options.maxStreamsPerToken } : {}),
      ...(options.console !== undefined ? { console: options.console } : {}),
    });
  });
  after(async () => {
    await api?.close();
    await sessions?.eventFeed().close();
    await fixture.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return { keel: fixture.keel, url: () => api!.url, openStreams: () => api!.openStreams(), eventSource: () => new LocalEventSource({ directory }) };
}
