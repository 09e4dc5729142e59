import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from '../domain/rate-limit.js';
import type { Logger } from '../logger.js';

/**
 * The token bucket of src/copilot/rate-limit.ts (`takeToken`) as one Lua script, so the read,
 * refill and take are atomic across replicas. Time comes from Redis (TIME), not from each replica's
 * clock, so replicas with skewed clocks still share one fair bucket. State: a hash {tokens, at}
 * that expires once it would be full again (an idle user costs no memory).
 */
const TAKE = `
if redis.replicate_commands then redis.replicate_commands() end
local cap = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local perMs = cap / 60000
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(s[1])
local at = tonumber(s[2])
if tokens == nil or at == nil then tokens = cap; at = now end
tokens = math.min(cap, tokens + math.max(0, now - at) * perMs)
local allowed = 0
local retryMs = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retryMs = math.ceil((1 - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(60000 + 60000 / cap))
return {allowed, math.floor(tokens), retryMs}
`;
const SHA = createHash('sha1').update(TAKE).digest('hex');

export interface RedisRateLimiterOptions {
  redis: Redis;
  perMinute: number;
  logger: Logger;
  /** Key namespace inside the client's keyPrefix (default `rate:`); separate limiters need separate ones. */
  prefix?: string;
}

/**
 * Redis down → allow (fail open): a Redis outage must not turn into "nobody can ask anything".
 * Logged once when it starts failing and once when it works again, not per request.
 */
export function redisRateLimiter(opts: RedisRateLimiterOptions): RateLimiter {
  const prefix = opts.prefix ?? 'rate:';
  let failing = false;
  const run = async (key: string): Promise<unknown> => {
    try {
      return await opts.redis.evalsha(SHA, 1, key, opts.perMinute);
    } catch (err) {
      // First use on this Redis (or after a restart / SCRIPT FLUSH): load it by sending it whole.
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      return opts.redis.eval(TAKE, 1, key, opts.perMinute);
    }
  };
  return {
    async take(key): Promise<RateDecision> {
      try {
        const reply = await run(prefix + key);
        if (failing) {
          failing = false;
          opts.logger.info('rate limiter: Redis is back, limits apply again');
        }
        const [allowed, remaining, retryMs] = Array.isArray(reply) ? reply.map(Number) : [1, 0, 0];
        return allowed === 1
          ? { allowed: true, remaining: remaining ?? 0, retryAfterSeconds: 0 }
          : {
              allowed: false,
              remaining: 0,
              retryAfterSeconds: Math.max(1, Math.ceil((retryMs ?? 0) / 1000)),
            };
      } catch (err) {
        if (!failing) {
          failing = true;
          opts.logger.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'rate limiter: Redis unavailable, allowing requests until it is back (fail open)',
          );
        }
        return { allowed: true, remaining: opts.perMinute, retryAfterSeconds: 0 };
      }
    },
  };
}
