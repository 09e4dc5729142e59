import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inProcessRateLimiter, rateLimitedMessage, takeToken } from '../../../src/copilot/rate-limit.js';
import type { BucketState } from '../../../src/domain/rate-limit.js';

describe('token bucket', () => {
  it('allows a burst of perMinute, then refills one token every 60/perMinute seconds', () => {
    let state: BucketState | undefined;
    const decisions = [];
    for (let i = 0; i < 12; i++) {
      const r = takeToken(state, 1000, 10);
      state = r.state;
      decisions.push(r.decision);
    }
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions[10]).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 6 });
    expect(takeToken(state, 1000 + 5_999, 10).decision.allowed).toBe(false);
    expect(takeToken(state, 1000 + 6_000, 10).decision.allowed).toBe(true);
  });

  it('never allows more than burst + elapsed refill, whatever the timing (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 300 }),
        (perMinute, gaps) => {
          let state: BucketState | undefined;
          let now = 0;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            const r = takeToken(state, now, perMinute);
            state = r.state;
            if (r.decision.allowed) allowed += 1;
            else expect(r.decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          }
          expect(allowed).toBeLessThanOrEqual(perMinute + Math.floor((now * perMinute) / 60_000) + 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('in-process limiter', () => {
  it('keeps users apart and forgets idle buckets', async () => {
    let now = 0;
    const limiter = inProcessRateLimiter({ perMinute: 2, now: () => now });
    expect((await limiter.take('a')).allowed).toBe(true);
    expect((await limiter.take('a')).allowed).toBe(true);
    expect(await limiter.take('a')).toMatchObject({ allowed: false, retryAfterSeconds: 30 });
    expect((await limiter.take('b')).allowed).toBe(true);
    now += 120_000;
    expect((await limiter.take('a')).allowed).toBe(true);
  });
});

describe('rateLimitedMessage', () => {
  it('says "1 second", not "1 seconds"', () => {
    expect(rateLimitedMessage(0.2)).toMatch(/in 1 second\.$/);
  });
});
