import type { AnswerRecord } from '../domain/answers.js';
import type { AskInput, Copilot, CopilotEvent } from '../domain/copilot.js';
import type { BucketState, RateDecision, RateLimiter } from '../domain/rate-limit.js';
import { newAnswerId, newAnswerRecord } from './record.js';

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

/**
 * The usual `keyOf` for Slack: one bucket per workspace user (`slack:T…:U…`); questions without
 * a user (none today) are not limited rather than all sharing one bucket.
 */
export function perUserKey(input: AskInput): string | null {
  if (!input.user) return null;
  return `${input.origin?.surface ?? 'slack'}:${input.origin?.team ?? '-'}:${input.user}`;
}

/**
 * Wraps a copilot for surfaces that speak in events (Slack): over the limit, the asker gets
 * `meta`, an `error` {code: 'rate:limited'} with a polite wait time, and `done`, and the inner
 * copilot (retrieval, model, memory) is never called. `keyOf` → null means "not limited".
 */
export function withRateLimit(
  copilot: Copilot,
  limiter: RateLimiter,
  keyOf: (input: AskInput) => string | null,
): Copilot {
  return {
    ...copilot,
    async ask(input, emit) {
      const key = keyOf(input);
      const decision = key === null ? null : await limiter.take(key);
      if (!decision || decision.allowed) return copilot.ask(input, emit);
      return refuse(input, emit, decision.retryAfterSeconds);
    },
  };
}

function refuse(input: AskInput, emit: (e: CopilotEvent) => void, retryAfterSeconds: number): AnswerRecord {
  const answerId = newAnswerId();
  const message = rateLimitedMessage(retryAfterSeconds);
  emit({ type: 'meta', conversationId: input.conversationId, answerId });
  emit({ type: 'error', code: 'rate:limited', message });
  emit({ type: 'done', answerId, decision: 'answer', cached: false, usage: null });
  // Not stored: a refused question is not an answer, and storing it would let a flood fill the store.
  return newAnswerRecord(input, answerId, '');
}
