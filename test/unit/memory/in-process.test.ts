import { describe, expect, it } from 'vitest';
import type { AnswerRecord, CachedAnswer } from '../../../src/domain/answers.js';
import {
  InProcessAnswerCache,
  InProcessAnswerStore,
  InProcessConversationStore,
} from '../../../src/memory/in-process.js';

// Behaviour shared with Redis is in test/integration/memory-stores.test.ts; this covers the bounds.

const record = (id: string): AnswerRecord => ({
  id,
  conversationKey: 'web:c',
  space: 'default',
  question: `q ${id}`,
  standaloneQuestion: `q ${id}`,
  answer: 'a',
  decision: 'answer',
  via: 'offline',
  complete: true,
  sources: [],
  indexVersion: 'v1',
  timings: { totalMs: 1 },
  createdAt: 1,
});
const value = (answerId: string): CachedAnswer => ({
  answer: 'a',
  sources: [],
  decision: 'answer',
  answerId,
});

describe('in-process stores', () => {
  it('drops the oldest answer records beyond maxRecords, with their feedback', async () => {
    const store = new InProcessAnswerStore({ maxRecords: 3 });
    await store.save(record('a1'));
    await store.setFeedback('a1', { rating: 'down', at: 1 });
    for (const id of ['a2', 'a3', 'a4']) await store.save(record(id));
    expect(await store.get('a1')).toBeNull();
    expect(await store.get('a4')).not.toBeNull();
    expect(await store.recentFeedback(10)).toEqual([]);
  });

  it('evicts the least recently used cache entry beyond maxEntries', async () => {
    const cache = new InProcessAnswerCache({ maxEntries: 2 });
    await cache.set('a', value('a'), 60);
    await cache.set('b', value('b'), 60);
    await cache.get('a'); // a is now more recent than b
    await cache.set('c', value('c'), 60);
    expect(await cache.get('b')).toBeNull();
    expect((await cache.get('a'))?.answerId).toBe('a');
    expect((await cache.get('c'))?.answerId).toBe('c');
  });

  it('hands out copies, so callers cannot change what is stored', async () => {
    const store = new InProcessAnswerStore();
    await store.save(record('a1'));
    const got = await store.get('a1');
    if (got) got.question = 'changed';
    expect((await store.get('a1'))?.question).toBe('q a1');

    const memory = new InProcessConversationStore({ maxTurns: 5, ttlSeconds: 60 });
    await memory.append('k', [{ role: 'user', text: 'hi', at: 1 }]);
    const [turn] = await memory.recent('k', 5);
    if (turn) turn.text = 'changed';
    expect((await memory.recent('k', 5))[0]?.text).toBe('hi');
  });
});
