/**
 * Which live-event transport a worker publishes to and a client subscribes from: `KEEL_EVENTS` (`local`, the
 * default, `postgres` or `redis`) and `KEEL_EVENTS_URL` / `_FILE` (for `local` the hubs' folder, for `postgres` a connection
 * string, which may hold a password). Workers and clients of one deployment must agree.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { readSecretVariable } from '../secrets/read-secret-variable.js';
import type { EventPublisher, EventSource } from './event-transport.js';
import { LocalEventHub } from './local/local-event-hub.js';
import { LocalEventSource } from './local/local-event-source.js';
import { defaultLocalEventsDirectory } from './local/local-hub-registry.js';
import { PostgresEventPublisher } from './postgres/postgres-event-publisher.js';
import { PostgresEventSource } from './postgres/postgres-event-source.js';
import { RedisEventPublisher, RedisEventSource } from './redis/redis-events.js';

export const eventsSettingsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), directory: z.string().min(1) }),
  z.object({ kind: z.literal('postgres'), url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// connection string') }),
  z.object({ kind: z.literal('redis'), url: z.string().regex(/^redis:\/\/[^/]+/, 'a redis://host:port URL') }),
]);
export type EventsSettings = z.infer<typeof eventsSettingsSchema>;

/** @throws ConfigError naming the variable. */
export function eventsSettingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): EventsSettings {
  const kind = environment.KEEL_EVENTS?.trim() || 'local';
  const url = readSecretVariable('KEEL_EVENTS_URL', environment);
  const parsed = eventsSettingsSchema.safeParse(kind === 'local' ? { kind, directory: url ?? defaultLocalEventsDirectory() } : { kind, url });
  if (!parsed.success) throw new ConfigError(`KEEL_EVENTS / KEEL_EVENTS_URL: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The worker's end: where its model calls publish. */
export async function openEventPublisher(settings: EventsSettings): Promise<EventPublisher> {
  switch (settings.kind) {
    case 'local':
      return LocalEventHub.shared(settings.directory);
    case 'postgres':
      return PostgresEventPublisher.connect(settings.url);
    case 'redis':
      return RedisEventPublisher.connect(settings.url);
  }
}

/** The subscribers' end (connects on first use). */
export function openEventSource(settings: EventsSettings): EventSource {
  switch (settings.kind) {
    case 'local':
      return new LocalEventSource({ directory: settings.directory });
    case 'postgres':
      return new PostgresEventSource(settings.url);
    case 'redis':
      return new RedisEventSource(settings.url);
  }
}
