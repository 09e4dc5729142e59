import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, redisReady } from '../../src/memory/redis-client.js';
import { RedisDedupStore } from '../../src/slack/dedup-redis.js';
import { RedisThreadStore } from '../../src/slack/thread-store-redis.js';
import { dropNamespace, REDIS_URL, redisAvailable } from '../helpers/services.js';

/** The shared stores several replicas use: one answer per delivery across all of them. */
describe.skipIf(!(await redisAvailable()))('Slack stores on Redis', () => {
  let redis: Redis;
  const prefix = `test:slack:${randomUUID()}:`;

  beforeAll(async () => {
    redis = createRedisClient(REDIS_URL, undefined, { keyPrefix: prefix });
    await redisReady(redis);
  });
  afterAll(async () => {
    await dropNamespace(redis);
    redis.disconnect();
  });

  it('claims a delivery exactly once across replicas, until the TTL passes', async () => {
    const a = new RedisDedupStore(redis);
    const b = new RedisDedupStore(redis);
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).firstTime('event:E1', 1)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    await sleep(1100);
    expect(await a.firstTime('event:E1', 1)).toBe(true);
  });

  it('remembers answered threads', async () => {
    const threads = new RedisThreadStore(redis);
    await threads.remember('T1:C1:1.0', 60);
    expect(await threads.has('T1:C1:1.0')).toBe(true);
    expect(await threads.has('T1:C1:2.0')).toBe(false);
  });

  it('fails open for dedup and closed for threads when Redis is down', async () => {
    const down = createRedisClient('redis://127.0.0.1:1');
    const errors: unknown[] = [];
    const dedup = new RedisDedupStore(down, { onError: (e) => errors.push(e) });
    const threads = new RedisThreadStore(down, { onError: (e) => errors.push(e) });
    expect(await dedup.firstTime('event:E2', 60)).toBe(true);
    expect(await threads.has('T1:C1:1.0')).toBe(false);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    down.disconnect();
  });
});
