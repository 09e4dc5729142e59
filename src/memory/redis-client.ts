import { Redis } from 'ioredis';
import { CopilotError } from '../errors.js';

/**
 * The one way the composition root should build its Redis client. Defaults of ioredis suit a
 * batch job, not a chat bot: they queue commands while disconnected and retry each one 20 times,
 * so with Redis down an answer would hang instead of going ahead without memory.
 *
 * - enableOfflineQueue false + maxRetriesPerRequest 1: while disconnected a command fails at once.
 * - commandTimeout: a Redis that accepts connections but does not answer fails within a second.
 * - retryStrategy: reconnects forever by itself, backing off up to 2 s, so memory comes back
 *   without a restart once Redis does.
 * - an 'error' listener: without one an EventEmitter 'error' event would crash the process.
 *
 * Because the offline queue is off, commands sent before the first connection fail too: await
 * `redisReady(client)` at start-up (and decide whether a Redis that never comes up is fatal).
 */
/**
 * Every key this app writes starts with the client's ioredis `keyPrefix` (default `copilot:`), so the
 * stores name keys without it and several bots or test runs share one Redis by using another prefix.
 * ioredis does not prefix pub/sub channels or KEYS/SCAN patterns: use `prefixed()` for those.
 */
export const KEY_PREFIX = 'copilot:';

/** A name in this client's namespace, for what ioredis does not prefix itself (pub/sub channels). */
export function prefixed(redis: Redis, name: string): string {
  return `${redis.options.keyPrefix ?? ''}${name}`;
}

export function createRedisClient(
  url: string,
  onError?: (err: Error) => void,
  opts: { keyPrefix?: string } = {},
): Redis {
  const client = new Redis(url, {
    keyPrefix: opts.keyPrefix ?? KEY_PREFIX,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 10), 2000),
  });
  client.on('error', (err: Error) => {
    try {
      onError?.(err);
    } catch {
      /* a failing logger must not turn a Redis hiccup into a crash */
    }
  });
  return client;
}

/** Resolves once the client is connected and ready; rejects with `memory:unavailable` after `timeoutMs`. */
export function redisReady(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(
        new CopilotError('memory:unavailable', `Redis was not ready within ${timeoutMs} ms.`, {
          hint: 'Check REDIS_URL and that Redis is running; unset REDIS_URL to use in-process memory.',
          status: 503,
        }),
      );
    }, timeoutMs);
    timer.unref();
    client.once('ready', onReady);
  });
}
