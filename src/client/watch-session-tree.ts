/**
 * Follows a session and the sub-agents it starts (`state.children`), and theirs, as one stream of events, each
 * naming the session it is of. Each session is followed by {@link watchSession}; a child is followed from its start
 * as soon as its parent's state lists it. Ends once every followed session has ended (or `options.signal` aborts).
 * Client-side.
 */
import type { Client } from '@temporalio/client';
import { watchSession, type WatchEvent, type WatchOptions } from './watch-session.js';

export interface TreeWatchEvent {
  /** The workflow id of the session the event is of. */
  workflowId: string;
  /** 0 for the session asked for, 1 for its sub-agents, and so on. */
  depth: number;
  event: WatchEvent;
}

type Item = { kind: 'event'; value: TreeWatchEvent } | { kind: 'error'; error: unknown } | { kind: 'ended' };

/** Watches `workflowId` and its sub-agents until all have ended or `options.signal` aborts. */
export async function* watchSessionTree(client: Client, workflowId: string, options: WatchOptions = {}): AsyncGenerator<TreeWatchEvent> {
  const items: Item[] = [];
  let wake: (() => void) | undefined;
  const push = (item: Item): void => {
    items.push(item);
    wake?.();
  };
  const followed = new Set<string>();
  let running = 0;
  const follow = (id: string, depth: number, fromStart: boolean): void => {
    if (followed.has(id)) return;
    followed.add(id);
    running += 1;
    void (async () => {
      try {
        for await (const event of watchSession(client, id, { ...options, fromStart })) {
          push({ kind: 'event', value: { workflowId: id, depth, event } });
          // A sub-agent is new when its parent lists it: follow it from its start.
          if (event.kind === 'state') for (const child of event.state.children ?? []) follow(child.id, depth + 1, true);
        }
        push({ kind: 'ended' });
      } catch (error) {
        push({ kind: 'error', error });
      }
    })();
  };
  follow(workflowId, 0, options.fromStart ?? true);
  while (running > 0) {
    while (items.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    const item = items.shift()!;
    if (item.kind === 'error') throw item.error;
    if (item.kind === 'ended') running -= 1;
    else yield item.value;
  }
}
