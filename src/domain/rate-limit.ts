/**
 * Per-user rate limit (abuse) port: a token bucket per key. The pure bucket step and the in-process
 * limiter are in src/copilot/rate-limit.ts; the Redis one in src/memory/redis-rate-limit.ts.
 */
export interface RateDecision {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** When refused: seconds until one token is back (≥ 1). 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Takes one token for `key`. Never throws: a broken backend allows (fail open) and logs. */
  take(key: string): Promise<RateDecision>;
}

export interface BucketState {
  tokens: number;
  /** ms of the last refill */
  at: number;
}
