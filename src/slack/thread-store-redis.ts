import type { Redis } from 'ioredis';
import type { ThreadStore } from './thread-store.js';

/**
 * Answered threads shared by every replica and kept across restarts. When Redis fails, `has`
 * answers false (fail closed): the bot stays quiet in a thread rather than barge into one it may
 * not belong to; a mention still reaches it.
 */
export class RedisThreadStore implements ThreadStore {
  constructor(
    private readonly redis: Redis,
    private readonly opts: { onError?: (err: unknown) => void } = {},
  ) {}

  async remember(conversationKey: string, ttlSeconds: number): Promise<void> {
    try {
      await this.redis.set('slack:thread:' + conversationKey, '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  async has(conversationKey: string): Promise<boolean> {
    try {
      return (await this.redis.exists('slack:thread:' + conversationKey)) === 1;
    } catch (err) {
      this.opts.onError?.(err);
      return false;
    }
  }
}
