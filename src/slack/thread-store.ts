import { LRUCache } from 'lru-cache';

/**
 * Threads the bot has answered, so a follow-up in such a thread is answered without a new mention
 * (and a thread the bot never joined is left alone). Keyed like memory: `team:channel:thread_ts`.
 */
export interface ThreadStore {
  remember(conversationKey: string, ttlSeconds: number): Promise<void>;
  has(conversationKey: string): Promise<boolean>;
}

export class InProcessThreadStore implements ThreadStore {
  private readonly keys: LRUCache<string, true>;

  constructor(opts: { maxKeys?: number; now?: () => number } = {}) {
    this.keys = new LRUCache({
      max: opts.maxKeys ?? 20_000,
      ttlResolution: 0,
      perf: opts.now && { now: opts.now },
    });
  }

  async remember(conversationKey: string, ttlSeconds: number): Promise<void> {
    this.keys.set(conversationKey, true, { ttl: ttlSeconds * 1000 });
  }

  async has(conversationKey: string): Promise<boolean> {
    return this.keys.has(conversationKey);
  }
}
