import type { Redis } from 'ioredis';
import type { DedupStore } from './dedup.js';

/**
 * Dedup shared by every replica: `SET key 1 NX EX ttl` is atomic, so exactly one replica wins a
 * delivery. If Redis fails the store answers "first time" (fail open): a rare duplicate answer is
 * better than a question nobody answers. `onError` lets the caller log and count it.
 */
export class RedisDedupStore implements DedupStore {
  constructor(
    private readonly redis: Redis,
    private readonly opts: { onError?: (err: unknown) => void } = {},
  ) {}

  async firstTime(key: string, ttlSeconds: number): Promise<boolean> {
    try {
      const reply = await this.redis.set(
        'slack:dedup:' + key,
        '1',
        'EX',
        Math.max(1, Math.ceil(ttlSeconds)),
        'NX',
      );
      return reply === 'OK';
    } catch (err) {
      this.opts.onError?.(err);
      return true;
    }
  }
}
