import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A lock held for the length of a reindex run. */
export interface JobLock {
  /** Resolves with a release function once held (waits while another holder has it). */
  acquire(signal?: AbortSignal): Promise<() => Promise<void>>;
}

/** Without Redis the reindexer's own queue already serialises runs in this process. */
export const inProcessLock: JobLock = {
  acquire: async () => async () => {},
};

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Redis lock across replicas: SET NX PX with a random token, renewed while the run lasts, released
 * only by its owner (compare-and-delete). A crashed holder's lock expires after `ttlMs`.
 */
export function redisLock(
  redis: Redis,
  key: string,
  opts: { ttlMs?: number; pollMs?: number } = {},
): JobLock {
  const ttlMs = opts.ttlMs ?? 30_000;
  const pollMs = opts.pollMs ?? 250;
  return {
    async acquire(signal) {
      const token = randomUUID();
      for (;;) {
        if (signal?.aborted) throw new Error('aborted while waiting for the reindex lock');
        const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
        if (ok === 'OK') break;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      const renew = setInterval(() => {
        redis.eval(RENEW, 1, key, token, String(ttlMs)).catch(() => {});
      }, ttlMs / 3);
      renew.unref();
      return async () => {
        clearInterval(renew);
        await redis.eval(RELEASE, 1, key, token).catch(() => {});
      };
    },
  };
}
