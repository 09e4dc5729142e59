import type { BucketState, RateDecision, RateLimiter } from '../domain/rate-limit.js';

/**
 * Per-user rate limit (abuse): a token bucket per key, `perMinute` tokens refilled
 * evenly over a minute, burst = perMinute. Surface-independent: HTTP keys by client address,
 * Slack by team:user. Real implementation in src/memory/redis-rate-limit.ts (shared by replicas).
 * The port (`RateLimiter`) is in src/domain/rate-limit.ts.
 */

/** One step of the bucket (the Redis Lua script does the same arithmetic). Pure. */
export function takeToken(
  state: BucketState | undefined,
  now: number,
  perMinute: number,
): { state: BucketState; decision: RateDecision } {
  const perMs = perMinute / 60_000;
  const before = state ? Math.min(perMinute, state.tokens + Math.max(0, now - state.at) * perMs) : perMinute;
  if (before >= 1) {
    const tokens = before - 1;
    return {
      state: { tokens, at: now },
      decision: { allowed: true, remaining: Math.floor(tokens), retryAfterSeconds: 0 },
    };
  }
  return {
    state: { tokens: before, at: now },
    decision: {
      allowed: false,
      remaining: 0,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - before) / perMs / 1000)),
    },
  };
}

/** Buckets idle this long are full again, so forgetting them changes nothing. */
const fullAfterMs = (perMinute: number) => 60_000 + 60_000 / perMinute;

/** In-process buckets (no REDIS_URL, or one replica). Idle buckets are swept so memory stays bounded. */
export function inProcessRateLimiter(opts: { perMinute: number; now?: () => number }): RateLimiter {
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, BucketState>();
  let lastSweep = now();
  return {
    async take(key) {
      const t = now();
      if (t - lastSweep > 60_000) {
        lastSweep = t;
        for (const [k, b] of buckets) if (t - b.at > fullAfterMs(opts.perMinute)) buckets.delete(k);
      }
      const { state, decision } = takeToken(buckets.get(key), t, opts.perMinute);
      buckets.set(key, state);
      return decision;
    },
  };
}

/** What the user is told; N is the wait in seconds. */
export function rateLimitedMessage(retryAfterSeconds: number): string {
  const n = Math.max(1, Math.ceil(retryAfterSeconds));
  return `You're asking faster than I can answer — please try again in ${n} second${n === 1 ? '' : 's'}.`;
}
