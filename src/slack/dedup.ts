import { ExpiringKeys } from './expiring-keys.js';

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
  private readonly keys: ExpiringKeys;

  constructor(opts: { maxKeys?: number; now?: () => number } = {}) {
    this.keys = new ExpiringKeys(opts.maxKeys, opts.now);
  }

  async firstTime(key: string, ttlSeconds: number): Promise<boolean> {
    return this.keys.add(key, ttlSeconds);
  }
}
