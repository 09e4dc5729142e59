import type { AnswerCache, CachedAnswer, ConversationStore, Turn } from '../domain/answers.js';
import { CopilotError } from '../errors.js';

/**
 * Redis down → the bot still answers, without memory, and says so in logs and metrics.
 * These wrappers turn a failing conversation store or answer cache into "nothing remembered,
 * nothing cached" and report each failure through `onError(err, op)` (the caller logs and counts
 * it). They never throw.
 *
 * The answer store is deliberately not wrapped: losing a record or a user's feedback silently
 * would be wrong, so its errors reach the caller, which decides what to tell the user.
 */

export type MemoryOp =
  | 'conversation.append'
  | 'conversation.recent'
  | 'conversation.clear'
  | 'cache.get'
  | 'cache.set';

export interface ResilienceOptions {
  onError: (err: unknown, op: MemoryOp) => void;
  /**
   * Upper bound per call (default 1500 ms). The Redis client should already fail fast (see
   * redis-client.ts); this is the backstop for a client built without those options.
   */
  timeoutMs?: number;
}

export function resilientConversationStore(
  inner: ConversationStore,
  opts: ResilienceOptions,
): ConversationStore {
  const attempt = degrade(opts);
  return {
    append: (key: string, turns: Turn[]) =>
      attempt('conversation.append', () => inner.append(key, turns), undefined),
    recent: (key: string, limit: number) =>
      attempt('conversation.recent', () => inner.recent(key, limit), []),
    clear: (key: string) => attempt('conversation.clear', () => inner.clear(key), undefined),
  };
}

export function resilientAnswerCache(inner: AnswerCache, opts: ResilienceOptions): AnswerCache {
  const attempt = degrade(opts);
  return {
    get: (key: string) => attempt<CachedAnswer | null>('cache.get', () => inner.get(key), null),
    set: (key: string, value: CachedAnswer, ttlSeconds: number) =>
      attempt('cache.set', () => inner.set(key, value, ttlSeconds), undefined),
  };
}

function degrade({ onError, timeoutMs = 1500 }: ResilienceOptions) {
  const report = (err: unknown, op: MemoryOp) => {
    try {
      onError(err, op);
    } catch {
      /* reporting must not break the answer either */
    }
  };
  return async <T>(op: MemoryOp, call: () => Promise<T>, fallback: T): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CopilotError('memory:timeout', `${op} took longer than ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
    });
    try {
      // race() subscribes to the call, so a rejection arriving after the timeout is still handled.
      return await Promise.race([call(), timeout]);
    } catch (err) {
      report(err, op);
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  };
}
