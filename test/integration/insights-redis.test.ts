import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerRecord } from '../../src/domain/answers.js';
import type { HandoffTicket } from '../../src/domain/handoff.js';
import { DAY_MS, dayOf } from '../../src/insights/buckets.js';
import { dashboard } from '../../src/insights/dashboard.js';
import { InProcessInsightsStore } from '../../src/insights/memory-store.js';
import { insightsHandoffNotifier, withInsights } from '../../src/insights/recorder.js';
import { RedisInsightsStore } from '../../src/insights/redis-store.js';
import type { InsightsStore } from '../../src/insights/types.js';
import { InProcessAnswerStore } from '../../src/memory/in-process.js';
import { dropNamespace, REDIS_URL, redisAvailable } from '../helpers/services.js';

const logger = pino({ level: 'silent' });
const NOW = Date.UTC(2026, 5, 15, 12);

function rec(over: Partial<AnswerRecord>): AnswerRecord {
  return {
    id: `a_${randomUUID().slice(0, 12)}`,
    conversationKey: 'web:x',
    space: 'public',
    question: 'q',
    standaloneQuestion: 'q',
    answer: 'a',
    decision: 'answer',
    via: 'llm',
    complete: true,
    sources: [],
    indexVersion: 'v1',
    timings: { totalMs: 900, firstTokenMs: 400 },
    usage: { promptTokens: 90, completionTokens: 10, totalTokens: 100, costUsd: 0.0015 },
    createdAt: NOW,
    ...over,
  };
}

const up = await redisAvailable();
const prefix = `test:insights:${randomUUID().slice(0, 8)}:`;
const redis = up ? new Redis(REDIS_URL, { lazyConnect: true, keyPrefix: prefix }) : null;

const impls: Array<[string, () => InsightsStore]> = [['in-process', () => new InProcessInsightsStore()]];
if (redis) impls.push(['redis', () => new RedisInsightsStore({ redis })]);

beforeAll(async () => {
  await redis?.connect();
});
afterAll(async () => {
  if (!redis) return;
  await dropNamespace(redis);
  await redis.quit();
});

describe.each(impls)('insights store (%s)', (_name, make) => {
  it('counts answers by category, feedback changes, handoff times; lists a period by time', async () => {
    const store = make();
    const answers = withInsights(new InProcessAnswerStore(), store, logger);
    const a = rec({});
    const b = rec({ decision: 'escalate', via: 'none', createdAt: NOW - DAY_MS, usage: undefined });
    const c = rec({ via: 'cache', space: 'internal', timings: { totalMs: 10, firstTokenMs: 5000 } });
    const old = rec({ via: 'annotation', createdAt: NOW - 20 * DAY_MS });
    for (const r of [a, b, c, old]) await answers.save(r);
    await answers.save(a); // a re-save is not a second question
    await answers.setFeedback(a.id, { rating: 'down', reason: 'Wrong', at: NOW });
    await answers.setFeedback(a.id, { rating: 'up', at: NOW }); // changed mind: one 👍, no 👎
    await answers.setFeedback(b.id, { rating: 'down', reason: 'wrong', at: NOW });

    const notifier = insightsHandoffNotifier(store, logger);
    const ticket = { space: 'public', createdAt: NOW, history: [] } as unknown as HandoffTicket;
    ticket.history.push({ at: NOW + 60_000, actor: 'x', action: 'claimed' } as HandoffTicket['history'][0]);
    await notifier.update(ticket);
    ticket.history.push({ at: NOW + 600_000, actor: 'x', action: 'resolved' } as HandoffTicket['history'][0]);
    await notifier.update(ticket);

    const all7 = await dashboard(store, { space: '*', period: 7, now: NOW });
    expect(all7.totals.questions).toBe(3);
    expect(all7.totals.byCategory).toEqual({ answered: 1, clarified: 0, escalated: 1, saved: 0, cache: 1 });
    expect(all7.totals.automatedRate).toBeCloseTo(2 / 3);
    expect(all7.totals.thumbsUp).toBe(1);
    expect(all7.totals.thumbsDown).toBe(1);
    expect(all7.totals.downReasons).toEqual({ wrong: 1 });
    expect(all7.totals.tokens).toBe(200);
    expect(all7.totals.costUsd).toBeCloseTo(0.003);
    expect(all7.perDay.escalated.at(-2)).toBe(1);
    expect(all7.days.at(-1)).toBe(dayOf(NOW));
    // Log buckets: within 25 % above the true value.
    expect(all7.ttftMs.p50).toBeGreaterThanOrEqual(400);
    expect(all7.ttftMs.p50).toBeLessThanOrEqual(500);
    expect(all7.ttftMs.p95).toBeGreaterThanOrEqual(5000);
    expect(all7.handoff.claimed).toBe(1);
    expect(all7.handoff.claimMs.p50).toBeGreaterThanOrEqual(60_000);
    expect(all7.handoff.claimMs.p50).toBeLessThanOrEqual(75_000);
    expect(all7.handoff.resolveMs.p50).toBeGreaterThanOrEqual(600_000);

    const public30 = await dashboard(store, { space: 'public', period: 30, now: NOW });
    expect(public30.totals.questions).toBe(3);
    expect(public30.totals.byCategory.saved).toBe(1);
    expect(await store.spaces()).toEqual(['internal', 'public']);

    expect(await store.list('public', NOW - 2 * DAY_MS, NOW, 10)).toEqual([a.id, b.id]);
    expect(await store.list('public', NOW - 2 * DAY_MS, NOW, 1)).toEqual([a.id]);
    expect(await store.list('public', 0, NOW, 10, 'down')).toEqual([a.id, b.id]);
    await store.markReviewed(b.id);
    expect(await store.reviewed([a.id, b.id])).toEqual([false, true]);
  });
});
