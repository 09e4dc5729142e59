import { describe, expect, it, vi } from 'vitest';
import type { AnswerCache, ConversationStore } from '../../../src/domain/answers.js';
import { resilientAnswerCache, resilientConversationStore } from '../../../src/memory/resilient.js';

const broken = new Error('ECONNREFUSED');
const failing: ConversationStore & AnswerCache = {
  append: () => Promise.reject(broken),
  recent: () => Promise.reject(broken),
  clear: () => {
    throw broken; // a synchronous throw must be caught too
  },
  get: () => Promise.reject(broken),
  set: () => Promise.reject(broken),
};
const never = () => new Promise<never>(() => {});
const hanging: ConversationStore & AnswerCache = {
  append: never,
  recent: never,
  clear: never,
  get: never,
  set: never,
};

describe('resilient memory wrappers', () => {
  it('degrades to no memory and no cache, reporting each failure', async () => {
    const onError = vi.fn();
    const memory = resilientConversationStore(failing, { onError });
    const cache = resilientAnswerCache(failing, { onError });
    expect(await memory.recent('k', 5)).toEqual([]);
    await expect(memory.append('k', [])).resolves.toBeUndefined();
    await expect(memory.clear('k')).resolves.toBeUndefined();
    expect(await cache.get('k')).toBeNull();
    await expect(
      cache.set('k', { answer: '', sources: [], decision: 'answer', answerId: 'a' }, 1),
    ).resolves.toBe(undefined);
    expect(onError.mock.calls).toEqual([
      [broken, 'conversation.recent'],
      [broken, 'conversation.append'],
      [broken, 'conversation.clear'],
      [broken, 'cache.get'],
      [broken, 'cache.set'],
    ]);
  });

  it('gives up on a call that hangs', async () => {
    const onError = vi.fn();
    const memory = resilientConversationStore(hanging, { onError, timeoutMs: 50 });
    expect(await memory.recent('k', 5)).toEqual([]);
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'memory:timeout' }),
      'conversation.recent',
    );
  });

  it('survives an onError that throws', async () => {
    const cache = resilientAnswerCache(failing, {
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect(await cache.get('k')).toBeNull();
  });

  it('passes results through when the store works', async () => {
    const onError = vi.fn();
    const turns = [{ role: 'user' as const, text: 'hi', at: 1 }];
    const memory = resilientConversationStore(
      { append: async () => {}, recent: async () => turns, clear: async () => {} },
      { onError },
    );
    expect(await memory.recent('k', 5)).toBe(turns);
    expect(onError).not.toHaveBeenCalled();
  });
});
