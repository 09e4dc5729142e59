import { LRUCache } from 'lru-cache';

/**
 * Slack delivers at least once: retries (`X-Slack-Retry-Num`) repeat an event id, and one message
 * that mentions the bot arrives twice (as `app_mention` and as `message`). Each is answered once by
 * claiming a key the first time it is seen. With several replicas the Redis store is shared.
 */
export interface DedupStore {
  /** True the first time `key` is claimed within `ttlSeconds`; false for every repeat. */
  firstTime(key: string, ttlSeconds: number): Promise<boolean>;
}

/** Slack retries for about an hour at most (immediately, after 1 min, after 5 min); keep keys longer. */
export const DEDUP_TTL_SECONDS = 2 * 60 * 60;

export class InProcessDedupStore implements DedupStore {
  // Bounded: past maxKeys the oldest claims are forgotten (risking one duplicate answer, never a crash).
  private readonly keys: LRUCache<string, true>;

  constructor(opts: { maxKeys?: number; now?: () => number } = {}) {
    this.keys = new LRUCache({
      max: opts.maxKeys ?? 50_000,
      ttlResolution: 0,
      perf: opts.now && { now: opts.now },
    });
  }

  async firstTime(key: string, ttlSeconds: number): Promise<boolean> {
    if (this.keys.has(key)) return false;
    this.keys.set(key, true, { ttl: ttlSeconds * 1000 });
    return true;
  }
}
