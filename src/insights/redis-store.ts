import type { ChainableCommander, Redis } from 'ioredis';
import type { DayCounters, InsightsStore } from './types.js';

/**
 * Insights in Redis (keys after the client's keyPrefix):
 *   insights:day:<space>:<YYYY-MM-DD>   hash of counters, TTL 100 days
 *   insights:at:<space> / down:<space>  sorted sets of answer ids scored by time (trimmed to 100 days)
 *   insights:spaces                     set of spaces with counters
 *   insights:reviewed                   set of reviewed answer ids
 */
export class RedisInsightsStore implements InsightsStore {
  private readonly redis: Redis;
  static readonly KEEP_MS = 100 * 86_400_000;

  constructor(opts: { redis: Redis }) {
    this.redis = opts.redis;
  }

  private dayKey(space: string, day: string) {
    return `insights:day:${space}:${day}`;
  }

  async incr(space: string, day: string, fields: DayCounters): Promise<void> {
    await this.queueIncr(this.redis.multi(), space, day, fields).exec();
  }

  /** The commands of `incr` added to a pipeline or transaction (bulk loads batch many). */
  queueIncr(pipe: ChainableCommander, space: string, day: string, fields: DayCounters): ChainableCommander {
    const key = this.dayKey(space, day);
    for (const [k, v] of Object.entries(fields)) {
      if (Number.isInteger(v)) pipe.hincrby(key, k, v);
      else pipe.hincrbyfloat(key, k, v);
    }
    pipe.expire(key, RedisInsightsStore.KEEP_MS / 1000);
    return pipe.sadd(`insights:spaces`, space);
  }

  async days(space: string, days: string[]): Promise<DayCounters[]> {
    const pipe = this.redis.pipeline();
    for (const d of days) pipe.hgetall(this.dayKey(space, d));
    const res = (await pipe.exec()) ?? [];
    return res.map(([err, raw]) => {
      if (err) throw err;
      const out: DayCounters = {};
      for (const [k, v] of Object.entries((raw ?? {}) as Record<string, string>)) out[k] = Number(v);
      return out;
    });
  }

  async index(space: string, id: string, at: number, kind: 'all' | 'down' = 'all'): Promise<void> {
    await this.queueIndex(this.redis.multi(), space, id, at, kind).exec();
  }

  queueIndex(
    pipe: ChainableCommander,
    space: string,
    id: string,
    at: number,
    kind: 'all' | 'down' = 'all',
  ): ChainableCommander {
    const key = `insights:${kind === 'all' ? 'at' : 'down'}:${space}`;
    return pipe.zadd(key, at, id).zremrangebyscore(key, '-inf', at - RedisInsightsStore.KEEP_MS);
  }

  async list(space: string, from: number, to: number, limit: number, kind: 'all' | 'down' = 'all') {
    const key = `insights:${kind === 'all' ? 'at' : 'down'}:${space}`;
    return this.redis.zrevrangebyscore(key, to, from, 'LIMIT', 0, limit);
  }

  async spaces(): Promise<string[]> {
    return (await this.redis.smembers(`insights:spaces`)).sort();
  }

  async markReviewed(id: string): Promise<void> {
    await this.redis.sadd(`insights:reviewed`, id);
  }

  async reviewed(ids: string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const res = await this.redis.smismember(`insights:reviewed`, ...ids);
    return res.map((n) => n === 1);
  }
}
