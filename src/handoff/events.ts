import type { Redis } from 'ioredis';
import type { HandoffStatus } from '../domain/handoff.js';
import type { Logger } from '../logger.js';
import { prefixed } from '../memory/redis-client.js';

/** What the asker's web page hears about its conversation (GET /api/conversations/:id/events). */
export type ConversationEvent =
  | { type: 'reply'; handoffId: string; text: string; by: string; at: number }
  | { type: 'handoff'; handoffId: string; status: HandoffStatus; assignee?: string };

export type ConversationListener = (event: ConversationEvent) => void;

/** Fan-out of conversation events to the open event streams, across replicas when Redis is used. */
export interface ConversationEventBus {
  publish(conversationKey: string, event: ConversationEvent): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(conversationKey: string, listener: ConversationListener): () => void;
  close(): Promise<void>;
}

/** Local listeners by conversation; both buses deliver through it. */
class Listeners {
  private readonly byKey = new Map<string, Set<ConversationListener>>();

  add(key: string, listener: ConversationListener): () => void {
    const set = this.byKey.get(key) ?? new Set<ConversationListener>();
    this.byKey.set(key, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byKey.delete(key);
    };
  }

  deliver(key: string, event: ConversationEvent, logger?: Logger): void {
    for (const l of this.byKey.get(key) ?? []) {
      try {
        l(event);
      } catch (err) {
        logger?.warn({ err }, 'conversation event listener failed');
      }
    }
  }
}

export function createInProcessEventBus(): ConversationEventBus {
  const listeners = new Listeners();
  return {
    async publish(key, event) {
      listeners.deliver(key, event);
    },
    subscribe: (key, listener) => listeners.add(key, listener),
    async close() {},
  };
}

/**
 * Redis pub/sub, so a reply made on one replica reaches the asker's stream on another. One
 * channel for all conversations (human replies are rare; filtering locally avoids subscribe
 * races per conversation). A subscribed connection can run no other command, hence the
 * duplicate; ioredis re-subscribes by itself after a reconnect.
 */
export function createRedisEventBus(opts: { redis: Redis; logger: Logger }): ConversationEventBus {
  // ioredis does not apply its keyPrefix to channels: name the channel in the client's namespace.
  const channel = prefixed(opts.redis, 'handoff-events');
  const listeners = new Listeners();
  const sub = opts.redis.duplicate();
  sub.on('error', (err: Error) => opts.logger.debug({ err: err.message }, 'handoff events subscriber error'));
  const subscribe = () =>
    sub
      .subscribe(channel)
      .catch((err: unknown) => opts.logger.warn({ err }, 'could not subscribe to handoff events'));
  // The app's client runs without an offline queue: subscribe once the duplicate is connected.
  if (sub.status === 'ready') void subscribe();
  else sub.once('ready', () => void subscribe());
  sub.on('message', (ch: string, raw: string) => {
    if (ch !== channel) return;
    try {
      const { key, event } = JSON.parse(raw) as { key: string; event: ConversationEvent };
      listeners.deliver(key, event, opts.logger);
    } catch (err) {
      opts.logger.warn({ err }, 'ignored a malformed handoff event');
    }
  });
  return {
    async publish(key, event) {
      try {
        await opts.redis.publish(channel, JSON.stringify({ key, event }));
      } catch (err) {
        // Redis down: the asker may well be connected to this replica, so deliver here at least.
        opts.logger.warn({ err: (err as Error).message }, 'handoff event publish failed; delivering locally');
        listeners.deliver(key, event, opts.logger);
      }
    },
    subscribe: (key, listener) => listeners.add(key, listener),
    async close() {
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
