import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { AnswerRecord } from '../domain/answers.js';
import { DAY_MS, dayOf } from '../insights/buckets.js';
import { dashboard, PERIODS } from '../insights/dashboard.js';
import { fieldsOfAnswer, fieldsOfFeedback, withInsights } from '../insights/recorder.js';
import { RedisInsightsStore } from '../insights/redis-store.js';
import { RedisAnswerStore } from '../memory/redis.js';
import { KEY_PREFIX } from '../memory/redis-client.js';

const SPACES = ['default', 'apparel', 'internal', 'partners', 'support'];
const DECISIONS: Array<Pick<AnswerRecord, 'decision' | 'via'>> = [
  { decision: 'answer', via: 'llm' },
  { decision: 'answer', via: 'llm' },
  { decision: 'answer', via: 'cache' },
  { decision: 'answer', via: 'annotation' },
  { decision: 'clarify', via: 'llm' },
  { decision: 'escalate', via: 'none' },
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    const ok = await probe.connect().then(
      () => true,
      () => false,
    );
    probe.disconnect();
    if (ok) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('private redis-server did not start');
}

function record(i: number, now: number, span: number): AnswerRecord {
  const d = DECISIONS[i % DECISIONS.length] as (typeof DECISIONS)[0];
  return {
    id: `a_${i.toString(16).padStart(16, '0')}`,
    conversationKey: `web:${(i % 50_000).toString(36).padStart(22, '0')}`,
    space: SPACES[i % SPACES.length] as string,
    question: `How do I change the shipping address of order ${i}?`,
    standaloneQuestion: `How do I change the shipping address of order ${i}?`,
    answer:
      'You can change the shipping address until the parcel is handed to the carrier: open the order, choose Edit address and confirm. [1]',
    ...d,
    complete: true,
    sources: [{ n: 1, source: 'shipping-policy.md', score: 0.8 } as unknown as AnswerRecord['sources'][0]],
    indexVersion: 'v1',
    timings: { totalMs: 900 + (i % 700), firstTokenMs: 200 + ((i * 7919) % 1500) },
    usage: { promptTokens: 900, completionTokens: 80, totalTokens: 980, costUsd: 0.00021 },
    retrievalTopScore: 0.7,
    createdAt: now - Math.floor((((i * 2654435761) % 1_000_003) / 1_000_003) * span),
  };
}

function feedbackOf(j: number, now: number) {
  return j % 20 === 0
    ? { rating: 'down' as const, reason: 'Outdated', at: now }
    : { rating: 'up' as const, at: now };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] as number;
}

/**
 * Dashboard queries against `records` answer records written through the real insights hook into a
 * private redis-server (never the shared one). Records' memory: used_memory after minus before.
 */
export async function insightsBench(opts: {
  records: number;
  queries?: number;
  log: (m: string) => void;
}): Promise<Record<string, number>> {
  const { url, child } = await startRedis();
  const redis = new Redis(url, { enableAutoPipelining: true, keyPrefix: KEY_PREFIX });
  try {
    const mem = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const before = await mem();
    const insights = new RedisInsightsStore({ redis });
    const answers = withInsights(new RedisAnswerStore({ redis }), insights, pino({ level: 'silent' }));
    const now = Date.now();
    // Through the real hook (answer store + insights) for the write rate, on a sample.
    const sample = Math.min(opts.records, 10_000);
    const t0 = performance.now();
    for (let i = 0; i < sample; i += 500) {
      const jobs: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(i + 500, sample); j++) {
        const r = record(j, now, 89 * DAY_MS);
        jobs.push(
          answers.save(r).then(() => (j % 10 === 0 ? answers.setFeedback(r.id, feedbackOf(j, now)) : null)),
        );
      }
      await Promise.all(jobs);
    }
    const writeS = (performance.now() - t0) / 1000;
    // The rest in bulk: the same keys and fields, batched in pipelines.
    for (let i = sample; i < opts.records; i += 5000) {
      const pipe = redis.pipeline();
      for (let j = i; j < Math.min(i + 5000, opts.records); j++) {
        const r = record(j, now, 89 * DAY_MS);
        const key = `answer:${r.id}`;
        pipe.hset(key, 'record', JSON.stringify(r)).expire(key, 30 * 86_400);
        insights.queueIncr(pipe, r.space, dayOf(r.createdAt), fieldsOfAnswer(r));
        insights.queueIndex(pipe, r.space, r.id, r.createdAt);
        if (j % 10 === 0) {
          const fb = feedbackOf(j, now);
          pipe.hset(key, 'feedback', JSON.stringify(fb));
          insights.queueIncr(pipe, r.space, dayOf(r.createdAt), fieldsOfFeedback(fb));
          if (fb.rating === 'down') insights.queueIndex(pipe, r.space, r.id, r.createdAt, 'down');
        }
      }
      await pipe.exec();
      if (i % 100_000 < 5000) opts.log(`insights: ${i} / ${opts.records} records written`);
    }
    const after = await mem();
    const dbsize = await redis.dbsize();

    const queries = opts.queries ?? 300;
    const times: number[] = [];
    const shapes = PERIODS.flatMap((period) => ['*', ...SPACES].map((space) => ({ period, space })));
    for (let q = 0; q < queries; q++) {
      const shape = shapes[q % shapes.length] as (typeof shapes)[0];
      const t = performance.now();
      const d = await dashboard(insights, { ...shape, now });
      times.push(performance.now() - t);
      if (q === 0 && d.totals.questions === 0) throw new Error('bench dashboard read no records');
    }
    const full = await dashboard(insights, { space: '*', period: 90, now });
    return {
      insights_records: opts.records,
      insights_counted: full.totals.questions,
      insights_write_per_s: Math.round(sample / writeS),
      insights_p50_ms: Math.round(pct(times, 0.5) * 100) / 100,
      insights_p95_ms: Math.round(pct(times, 0.95) * 100) / 100,
      insights_redis_mb: Math.round(((after - before) / 1_048_576) * 10) / 10,
      insights_redis_keys: dbsize,
    };
  } finally {
    redis.on('error', () => {});
    redis.disconnect();
    child.kill('SIGKILL');
  }
}
