import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  inProcessRateLimiter,
  perUserKey,
  rateLimitedMessage,
  takeToken,
  withRateLimit,
} from '../../../src/copilot/rate-limit.js';
import type { AskInput, Copilot, CopilotEvent } from '../../../src/domain/copilot.js';
import type { BucketState } from '../../../src/domain/rate-limit.js';

const input = (user: string): AskInput => ({
  message: 'What is the return window?',
  conversationKey: `T1:C1:${user}`,
  conversationId: `conv-${user}`,
  space: 'default',
  user,
});

/** A copilot that only counts how often it was reached. */
function countingCopilot(): Copilot & { calls: number } {
  const c = {
    calls: 0,
    async ask(i: AskInput, emit: (e: CopilotEvent) => void) {
      c.calls += 1;
      emit({ type: 'meta', conversationId: i.conversationId, answerId: 'a_inner' });
      emit({ type: 'done', answerId: 'a_inner', decision: 'answer', cached: false, usage: null });
      return {} as Awaited<ReturnType<Copilot['ask']>>;
    },
    feedback: async () => null,
    status: async () => ({
      indexVersion: 'v',
      spaces: [],
      modes: { llm: 'offline', embeddings: 'local', memory: 'in-process' as const, slack: 'off' },
      ready: true,
    }),
  };
  return c;
}

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

describe('withRateLimit (the Slack wrapper)', () => {
  it('over the limit: meta, a polite rate:limited error and done, without calling the copilot', async () => {
    const inner = countingCopilot();
    const limiter = inProcessRateLimiter({ perMinute: 1, now: () => 0 });
    const limited = withRateLimit(inner, limiter, (i) => `slack:${i.user}`);
    const first: CopilotEvent[] = [];
    await limited.ask(input('U1'), (e) => first.push(e));
    expect(inner.calls).toBe(1);

    const events: CopilotEvent[] = [];
    const record = await limited.ask(input('U1'), (e) => events.push(e));
    expect(inner.calls).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['meta', 'error', 'done']);
    expect(events[1]).toEqual({
      type: 'error',
      code: 'rate:limited',
      message: "You're asking faster than I can answer — please try again in 60 seconds.",
    });
    expect(record).toMatchObject({ complete: false, answer: '' });

    // Another user is not affected; a null key is never limited.
    await limited.ask(input('U2'), () => {});
    expect(inner.calls).toBe(2);
    const open = withRateLimit(inner, limiter, () => null);
    await open.ask(input('U1'), () => {});
    expect(inner.calls).toBe(3);
  });

  it('perUserKey: one bucket per workspace user; no user, no limit', () => {
    expect(perUserKey({ ...input('U1'), origin: { surface: 'slack', team: 'T1', channel: 'C1' } })).toBe(
      'slack:T1:U1',
    );
    const { user: _user, ...anonymous } = input('U1');
    expect(perUserKey(anonymous)).toBeNull();
  });

  it('says "1 second", not "1 seconds"', () => {
    expect(rateLimitedMessage(0.2)).toMatch(/in 1 second\.$/);
  });
});
