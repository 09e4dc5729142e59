import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnswerRecord, CachedAnswer } from '../../src/domain/answers.js';
import { isCopilotError } from '../../src/errors.js';
import { RedisAnswerCache, RedisAnswerStore, RedisConversationStore } from '../../src/memory/redis.js';
import { createRedisClient, redisReady } from '../../src/memory/redis-client.js';
import { resilientAnswerCache, resilientConversationStore } from '../../src/memory/resilient.js';
import { type PrivateRedis, privateRedis, redisServerInstalled, waitFor } from '../helpers/redis-server.js';

/**
 * Memory resilience against a real outage: our own redis-server is SIGKILLed mid-test and started again
 * on the same port. The bot must degrade at once (no memory, no cache), never throw or leak an
 * unhandled rejection, and get its memory back by itself when Redis returns.
 */

async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await call();
  return { value, ms: performance.now() - started };
}

const cached: CachedAnswer = { answer: 'Within 30 days.', sources: [], decision: 'answer', answerId: 'a1' };
const record: AnswerRecord = {
  id: 'a1',
  conversationKey: 'web:c1',
  space: 'default',
  question: 'refund window?',
  standaloneQuestion: 'refund window?',
  answer: 'Within 30 days.',
  decision: 'answer',
  via: 'offline',
  complete: true,
  sources: [],
  indexVersion: 'v1',
  timings: { totalMs: 5 },
  createdAt: 1,
};

describe.skipIf(!redisServerInstalled())('memory when Redis goes away and comes back', () => {
  let server: PrivateRedis;
  let redis: Redis;
  const clientErrors = vi.fn();
  const onError = vi.fn();
  const unhandled = vi.fn();

  beforeAll(async () => {
    process.on('unhandledRejection', unhandled);
    server = await privateRedis();
    await server.start();
    redis = createRedisClient(server.url, clientErrors);
    await redisReady(redis);
  });

  afterAll(async () => {
    process.off('unhandledRejection', unhandled);
    redis?.disconnect();
    await server.kill();
  });

  const memory = () =>
    resilientConversationStore(new RedisConversationStore({ redis, maxTurns: 10, ttlSeconds: 60 }), {
      onError,
    });
  const cache = () => resilientAnswerCache(new RedisAnswerCache({ redis }), { onError });

  it('works while Redis is up', async () => {
    await memory().append('web:c1', [{ role: 'user', text: 'hello', at: 1 }]);
    expect((await memory().recent('web:c1', 5)).map((t) => t.text)).toEqual(['hello']);
    await cache().set('k', cached, 60);
    expect(await cache().get('k')).toEqual(cached);
    expect(onError).not.toHaveBeenCalled();
  });

  it('degrades quickly without throwing once Redis is killed', async () => {
    await server.kill();
    const calls: Array<() => Promise<unknown>> = [
      () => memory().recent('web:c1', 5),
      () => memory().append('web:c1', [{ role: 'user', text: 'lost', at: 2 }]),
      () => memory().clear('web:c1'),
      () => cache().get('k'),
      () => cache().set('k', cached, 60),
    ];
    for (const call of calls) {
      const { value, ms } = await timed(call);
      expect(ms).toBeLessThan(2000);
      expect(value === undefined || value === null || (Array.isArray(value) && value.length === 0)).toBe(
        true,
      );
    }
    const ops = onError.mock.calls.map(([, op]) => op);
    expect(ops).toEqual([
      'conversation.recent',
      'conversation.append',
      'conversation.clear',
      'cache.get',
      'cache.set',
    ]);
    expect(isCopilotError(onError.mock.calls[0]?.[0], 'memory:unavailable')).toBe(true);

    // Answer records are not wrapped: the failure reaches the caller, quickly and typed.
    const answers = new RedisAnswerStore({ redis });
    const { value: saveError, ms } = await timed(() => answers.save(record).catch((err: unknown) => err));
    expect(ms).toBeLessThan(2000);
    expect(isCopilotError(saveError, 'memory:unavailable')).toBe(true);

    // Let reconnect attempts fail a few times: the client reports them, the process stays up.
    await new Promise((r) => setTimeout(r, 500));
    expect(clientErrors).toHaveBeenCalled();
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('reconnects by itself when Redis is back', async () => {
    await server.start();
    await waitFor(async () => {
      await memory().append('web:c2', [{ role: 'user', text: 'back', at: 3 }]);
      return (await memory().recent('web:c2', 5)).length === 1;
    }, 10_000);
    await cache().set('k', cached, 60);
    expect(await cache().get('k')).toEqual(cached);
    await new RedisAnswerStore({ redis }).save(record);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('gives up on a Redis that hangs (connection open, no replies) and recovers after', async () => {
    server.signal('SIGSTOP');
    try {
      onError.mockClear();
      const { value, ms } = await timed(() => memory().recent('web:c2', 5));
      expect(value).toEqual([]);
      expect(ms).toBeLessThan(2000);
      expect((await timed(() => cache().get('k'))).ms).toBeLessThan(2000);
      expect(onError).toHaveBeenCalledTimes(2);
    } finally {
      server.signal('SIGCONT');
    }
    // Replies to the timed-out commands arrive late; they must not be mistaken for later answers.
    await waitFor(async () => (await memory().recent('web:c2', 5)).length === 1, 10_000);
    expect((await memory().recent('web:c2', 5)).map((t) => t.text)).toEqual(['back']);
    expect(await cache().get('k')).toEqual(cached);
    expect(unhandled).not.toHaveBeenCalled();
  });
});
