import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AnswerCache,
  AnswerRecord,
  AnswerStore,
  CachedAnswer,
  ConversationStore,
  Turn,
} from '../../src/domain/answers.js';
import {
  InProcessAnswerCache,
  InProcessAnswerStore,
  InProcessConversationStore,
} from '../../src/memory/in-process.js';
import { RedisAnswerCache, RedisAnswerStore, RedisConversationStore } from '../../src/memory/redis.js';
import { createRedisClient, redisReady } from '../../src/memory/redis-client.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';

interface Stores {
  conversations: ConversationStore;
  answers: AnswerStore;
  cache: AnswerCache;
  /** Lets time pass: a fake clock for in-process stores, a real wait for Redis. */
  advance(ms: number): Promise<void>;
}

/** Fresh stores per test (own namespace), so tests never see each other's data. */
type MakeStores = (opts: { maxTurns: number; ttlSeconds: number }) => Promise<Stores>;

const turn = (text: string, at = Date.now()): Turn => ({ role: 'user', text, at });

function answer(id: string, question = `question ${id}`): AnswerRecord {
  return {
    id,
    conversationKey: 'web:c1',
    space: 'default',
    question,
    standaloneQuestion: question,
    answer: 'Returns are accepted within 30 days [1].',
    decision: 'answer',
    via: 'offline',
    complete: true,
    sources: [],
    indexVersion: 'v1',
    timings: { totalMs: 12.5, firstTokenMs: 3 },
    usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, costUsd: 0.000012345678901 },
    createdAt: 1_732_780_800_123,
  };
}

const cached: CachedAnswer = { answer: '退货期限为30天。', sources: [], decision: 'answer', answerId: 'a1' };

function storeContract(name: string, makeStores: MakeStores) {
  describe(`${name}: conversation memory`, () => {
    it('returns the most recent turns oldest first, capped at maxTurns', async () => {
      const { conversations } = await makeStores({ maxTurns: 4, ttlSeconds: 60 });
      await conversations.append('web:a', [turn('1'), turn('2')]);
      await conversations.append('web:a', [turn('3'), turn('4'), turn('5')]);
      expect((await conversations.recent('web:a', 10)).map((t) => t.text)).toEqual(['2', '3', '4', '5']);
      expect((await conversations.recent('web:a', 2)).map((t) => t.text)).toEqual(['4', '5']);
      expect(await conversations.recent('web:a', 0)).toEqual([]);
      await conversations.append('web:a', []);
      expect(await conversations.recent('web:a', 10)).toHaveLength(4);
    });

    it('keeps every field of a turn', async () => {
      const { conversations } = await makeStores({ maxTurns: 4, ttlSeconds: 60 });
      const t: Turn = {
        role: 'assistant',
        text: '可以，30 天内退货 ✅',
        at: 1_732_780_800_123,
        answerId: 'a-1',
      };
      await conversations.append('team:C1:1.2', [t]);
      expect(await conversations.recent('team:C1:1.2', 5)).toEqual([t]);
    });

    it('isolates conversations and clears one without touching the other', async () => {
      const { conversations } = await makeStores({ maxTurns: 4, ttlSeconds: 60 });
      await conversations.append('web:a', [turn('for a')]);
      await conversations.append('web:b', [turn('for b')]);
      await conversations.clear('web:a');
      expect(await conversations.recent('web:a', 5)).toEqual([]);
      expect((await conversations.recent('web:b', 5)).map((t) => t.text)).toEqual(['for b']);
      expect(await conversations.recent('web:never', 5)).toEqual([]);
    });

    it('forgets a conversation after its TTL, counted from the last append', async () => {
      const { conversations, advance } = await makeStores({ maxTurns: 4, ttlSeconds: 1 });
      await conversations.append('web:ttl', [turn('first')]);
      await advance(600);
      await conversations.append('web:ttl', [turn('second')]);
      await advance(600);
      expect(await conversations.recent('web:ttl', 5)).toHaveLength(2);
      await advance(1100);
      expect(await conversations.recent('web:ttl', 5)).toEqual([]);
    });
  });

  describe(`${name}: answer records`, () => {
    it('saves and reads back a record; unknown ids are null', async () => {
      const { answers } = await makeStores({ maxTurns: 4, ttlSeconds: 60 });
      await answers.save(answer('a1'));
      expect(await answers.get('a1')).toEqual(answer('a1'));
      expect(await answers.get('nope')).toBeNull();
      expect(await answers.setFeedback('nope', { rating: 'up', at: 1 })).toBeNull();
      expect(await answers.get('nope')).toBeNull();
    });

    it('sets feedback and lists recent feedback newest first, filtered by rating', async () => {
      const { answers } = await makeStores({ maxTurns: 4, ttlSeconds: 60 });
      for (const id of ['a1', 'a2', 'a3', 'a4']) await answers.save(answer(id));
      const updated = await answers.setFeedback('a1', {
        rating: 'down',
        reason: 'outdated',
        user: 'U1',
        at: 100,
      });
      expect(updated).toEqual({
        ...answer('a1'),
        feedback: { rating: 'down', reason: 'outdated', user: 'U1', at: 100 },
      });
      await answers.setFeedback('a2', { rating: 'up', at: 200 });
      await answers.setFeedback('a3', { rating: 'down', reason: 'wrong', at: 300 });
      expect((await answers.get('a3'))?.feedback).toEqual({ rating: 'down', reason: 'wrong', at: 300 });

      expect((await answers.recentFeedback(10)).map((f) => f.answerId)).toEqual(['a3', 'a2', 'a1']);
      expect(await answers.recentFeedback(10, 'down')).toEqual([
        { answerId: 'a3', question: 'question a3', rating: 'down', reason: 'wrong', at: 300 },
        { answerId: 'a1', question: 'question a1', rating: 'down', reason: 'outdated', user: 'U1', at: 100 },
      ]);
      expect((await answers.recentFeedback(1, 'down')).map((f) => f.answerId)).toEqual(['a3']);

      // Changing one's mind moves the answer: one entry per answer, its latest feedback.
      await answers.setFeedback('a1', { rating: 'up', at: 400 });
      expect((await answers.recentFeedback(10)).map((f) => f.answerId)).toEqual(['a1', 'a3', 'a2']);
      expect((await answers.recentFeedback(10, 'down')).map((f) => f.answerId)).toEqual(['a3']);
      expect((await answers.recentFeedback(10, 'up')).map((f) => f.answerId)).toEqual(['a1', 'a2']);
    });

    it('keeps given feedback when the record is saved again', async () => {
      const { answers } = await makeStores({ maxTurns: 4, ttlSeconds: 60 });
      await answers.save(answer('a1'));
      await answers.setFeedback('a1', { rating: 'up', at: 5 });
      await answers.save({ ...answer('a1'), complete: false });
      expect(await answers.get('a1')).toEqual({
        ...answer('a1'),
        complete: false,
        feedback: { rating: 'up', at: 5 },
      });
    });

    it('survives concurrent feedback on one answer without losing the record', async () => {
      const { answers } = await makeStores({ maxTurns: 4, ttlSeconds: 60 });
      await answers.save(answer('a1'));
      const votes = Array.from({ length: 20 }, (_, i) => ({
        rating: i % 2 ? ('up' as const) : ('down' as const),
        user: `U${i}`,
        at: 1000 + i,
      }));
      const results = await Promise.all(votes.map((v) => answers.setFeedback('a1', v)));
      for (const r of results) expect(r?.question).toBe('question a1');
      const stored = await answers.get('a1');
      expect(stored).toMatchObject(answer('a1'));
      expect(votes).toContainEqual(stored?.feedback);
      const listed = await answers.recentFeedback(50);
      expect(listed.map((f) => f.answerId)).toEqual(['a1']);
      expect(listed[0]?.rating).toBe(stored?.feedback?.rating);
    });
  });

  describe(`${name}: answer cache`, () => {
    it('stores, isolates and expires cached answers', async () => {
      const { cache, advance } = await makeStores({ maxTurns: 4, ttlSeconds: 60 });
      expect(await cache.get('default\0v1\0unknown')).toBeNull();
      await cache.set('default\0v1\0refund', cached, 1);
      await cache.set('default\0v1\0shipping', { ...cached, answerId: 'a2' }, 60);
      expect(await cache.get('default\0v1\0refund')).toEqual(cached);
      expect(await cache.get('default\0v2\0refund')).toBeNull();
      await advance(1100);
      expect(await cache.get('default\0v1\0refund')).toBeNull();
      expect((await cache.get('default\0v1\0shipping'))?.answerId).toBe('a2');
    });
  });
}

storeContract('in-process', async ({ maxTurns, ttlSeconds }) => {
  let clock = 1_000_000;
  const now = () => clock;
  return {
    conversations: new InProcessConversationStore({ maxTurns, ttlSeconds, now }),
    answers: new InProcessAnswerStore(),
    cache: new InProcessAnswerCache({ now }),
    advance: async (ms) => {
      clock += ms;
    },
  };
});

const runPrefix = `copilot-test:${randomUUID().slice(0, 8)}:`;

describe.skipIf(!(await redisAvailable()))('redis', () => {
  let redis: Redis; // sees full key names (no keyPrefix)
  const clients: Redis[] = [];
  let n = 0;
  /** A client whose ioredis keyPrefix namespaces every key the stores write. */
  const client = async (keyPrefix: string) => {
    const c = createRedisClient(REDIS_URL, undefined, { keyPrefix });
    await redisReady(c);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await client('');
  });

  afterAll(async () => {
    if (!redis) return;
    await deleteKeys(redis, `${runPrefix}*`);
    await Promise.all(clients.map((c) => c.quit()));
  });

  storeContract('redis', async ({ maxTurns, ttlSeconds }) => {
    const ns = await client(`${runPrefix}${++n}:`);
    return {
      conversations: new RedisConversationStore({ redis: ns, maxTurns, ttlSeconds }),
      answers: new RedisAnswerStore({ redis: ns }),
      cache: new RedisAnswerCache({ redis: ns }),
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  });

  it('uses readable keys under the prefix', async () => {
    const prefix = `${runPrefix}keys:`;
    const ns = await client(prefix);
    await new RedisConversationStore({ redis: ns, maxTurns: 4, ttlSeconds: 60 }).append('web:k', [turn('x')]);
    await new RedisAnswerStore({ redis: ns }).save(answer('a1'));
    await new RedisAnswerCache({ redis: ns }).set('default\0v1\0q', cached, 60);
    const keys = (await redis.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)).sort();
    expect(keys).toEqual(['answer:a1', expect.stringMatching(/^cache:[0-9a-f]{64}$/), 'mem:web:k']);
    expect(await redis.ttl(`${prefix}answer:a1`)).toBeGreaterThan(29 * 24 * 3600);
  });

  it('keeps memory across a new client (as after a bot restart)', async () => {
    const prefix = `${runPrefix}restart:`;
    const first = createRedisClient(REDIS_URL, undefined, { keyPrefix: prefix });
    await redisReady(first);
    await new RedisConversationStore({ redis: first, maxTurns: 4, ttlSeconds: 60 }).append('web:r', [
      turn('remember me'),
    ]);
    await new RedisAnswerStore({ redis: first }).save(answer('a1'));
    await first.quit();

    const second = createRedisClient(REDIS_URL, undefined, { keyPrefix: prefix });
    try {
      await redisReady(second);
      const conversations = new RedisConversationStore({
        redis: second,
        maxTurns: 4,
        ttlSeconds: 60,
      });
      expect((await conversations.recent('web:r', 5)).map((t) => t.text)).toEqual(['remember me']);
      expect(await new RedisAnswerStore({ redis: second }).get('a1')).toEqual(answer('a1'));
    } finally {
      await second.quit();
    }
  });
});

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
