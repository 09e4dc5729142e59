import { parse } from 'csv-parse/sync';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerRecord } from '../../src/domain/answers.js';
import { withInsights } from '../../src/insights/recorder.js';
import { RedisInsightsStore } from '../../src/insights/redis-store.js';
import { RedisAnswerStore } from '../../src/memory/redis.js';
import { KEY_PREFIX } from '../../src/memory/redis-client.js';
import { runScript } from '../helpers/cli.js';
import { type PrivateRedis, privateRedis, redisServerInstalled } from '../helpers/redis-server.js';

const has = redisServerInstalled();
const DAY = 86_400_000;

function rec(id: string, over: Partial<AnswerRecord>): AnswerRecord {
  return {
    id,
    conversationKey: 'web:x',
    space: 'public',
    user: 'U123',
    question: 'Where is my order? mail bob@example.com',
    standaloneQuestion: 'q',
    answer: 'It ships in 2 days, "tracked", no fee, commas, too.',
    decision: 'answer',
    via: 'llm',
    complete: true,
    sources: [{ n: 1, source: 'shipping-policy.md' } as AnswerRecord['sources'][0]],
    indexVersion: 'v1',
    timings: { totalMs: 900, firstTokenMs: 400 },
    usage: { promptTokens: 90, completionTokens: 10, totalTokens: 100, costUsd: 0.0015 },
    createdAt: Date.UTC(2026, 2, 10, 12),
    ...over,
  };
}

describe.skipIf(!has)('npm run export', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
    const client = new Redis(redis.url, { keyPrefix: KEY_PREFIX });
    const answers = withInsights(
      new RedisAnswerStore({ redis: client, answerTtlSeconds: 10 * 365 * 86400 }),
      new RedisInsightsStore({ redis: client }),
      pino({ level: 'silent' }),
    );
    await answers.save(rec('a_1', {}));
    await answers.save(
      rec('a_2', { space: 'internal', decision: 'escalate', via: 'none', usage: undefined }),
    );
    await answers.save(rec('a_3', { createdAt: Date.UTC(2026, 2, 10, 12) + 5 * DAY }));
    await answers.setFeedback('a_1', { rating: 'down', reason: 'Wrong, "very"', at: Date.now() });
    await client.quit();
  }, 30_000);
  afterAll(async () => {
    await redis?.kill();
  });

  it('writes CSV and JSONL of a period and space that round-trip; raw only with --raw', async () => {
    const env = { REDIS_URL: redis.url };
    const period = ['--from', '2026-03-09', '--to', '2026-03-11'];
    const csv = await runScript('export', [...period, '--format', 'csv'], env);
    expect(csv.stderr).toContain('exported 2 answer records');
    expect(csv.code).toBe(0);
    const rows = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.id).sort()).toEqual(['a_1', 'a_2']);
    const a1 = rows.find((r) => r.id === 'a_1') as Record<string, string>;
    expect(a1.answer).toBe('It ships in 2 days, "tracked", no fee, commas, too.');
    expect(a1.feedbackReason).toBe('Wrong, "very"');
    expect(a1.question).not.toContain('bob@example.com');
    expect(a1.user).toBe('');

    const jsonl = await runScript('export', [...period, '--format', 'jsonl', '--space', 'public'], env);
    const lines = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['a_1']);
    for (const [k, v] of Object.entries(lines[0])) expect(a1[k]).toBe(v === null ? '' : String(v));

    const raw = await runScript('export', [...period, '--format', 'jsonl', '--raw'], env);
    expect(raw.stdout).toContain('bob@example.com');
    expect(raw.stdout).toContain('U123');

    const bad = await runScript('export', ['--format', 'xml'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--format must be csv or jsonl/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
