import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createRedisClient, redisReady } from '../../src/memory/redis-client.js';
import { redisRateLimiter } from '../../src/memory/redis-rate-limit.js';
import { copyKnowledge, startApp } from '../helpers/app.js';
import { privateRedis, redisServerInstalled, waitFor } from '../helpers/redis-server.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';

const kb = copyKnowledge();
afterAll(() => fs.rmSync(kb.root, { recursive: true, force: true }));

/** POST /api/chat as a client behind a proxy (X-Forwarded-For), returning status, headers and body. */
async function ask(url: string, forwardedFor?: string) {
  const res = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: JSON.stringify({ message: 'What is the return window for a kettle?' }),
  });
  const body = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    retryAfter: res.headers.get('retry-after'),
    body,
  };
}

function logSink() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination: stream }) };
}

describe('HTTP: per-client limit on POST /api/chat (in-process buckets)', () => {
  it('429 with Retry-After and a polite JSON message before any stream opens; other clients unaffected', async () => {
    const app = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      RATE_LIMIT_PER_MINUTE: '3',
      TRUST_PROXY: 'loopback',
    });
    try {
      const alice = '203.0.113.7';
      for (let i = 0; i < 3; i++) expect((await ask(app.url, alice)).status).toBe(200);
      const refused = await ask(app.url, alice);
      expect(refused.status).toBe(429);
      expect(refused.type).toMatch(/^application\/json/);
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(20);
      expect(JSON.parse(refused.body).error).toMatchObject({
        code: 'rate:limited',
        message: `You're asking faster than I can answer — please try again in ${refused.retryAfter} seconds.`,
      });
      // Bob, behind the same proxy, still gets answers.
      const bob = await ask(app.url, '203.0.113.8');
      expect(bob.status).toBe(200);
      expect(bob.type).toMatch(/^text\/event-stream/);
      expect(bob.body).toMatch(/event: done/);
    } finally {
      await app.close();
    }
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: a client cannot spoof a fresh bucket', async () => {
    const app = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      RATE_LIMIT_PER_MINUTE: '2',
    });
    try {
      expect((await ask(app.url, '198.51.100.1')).status).toBe(200);
      expect((await ask(app.url, '198.51.100.2')).status).toBe(200);
      expect((await ask(app.url, '198.51.100.3')).status).toBe(429);
    } finally {
      await app.close();
    }
  });
});

describe.skipIf(!(await redisAvailable()))('Redis token bucket', () => {
  it('is atomic across clients (replicas): a burst of 40 from two connections admits exactly perMinute', async () => {
    const a = createRedisClient(REDIS_URL);
    const b = createRedisClient(REDIS_URL);
    await Promise.all([redisReady(a), redisReady(b)]);
    try {
      const { logger } = logSink();
      const prefix = `copilot-test:rate:${randomUUID()}:`;
      const la = redisRateLimiter({ redis: a, perMinute: 10, logger, prefix });
      const lb = redisRateLimiter({ redis: b, perMinute: 10, logger, prefix });
      const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? la : lb).take('U1')));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
      const refused = decisions.find((d) => !d.allowed);
      expect(refused?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused?.retryAfterSeconds).toBeLessThanOrEqual(6);
      expect((await la.take('U2')).allowed).toBe(true);
      // The bucket expires by itself once it would be full again.
      expect(await a.pttl(`${prefix}U1`)).toBeGreaterThan(0);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('the app uses it when REDIS_URL is set', async () => {
    const app = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      REDIS_URL,
      RATE_LIMIT_PER_MINUTE: '1',
      TRUST_PROXY: 'loopback',
    });
    try {
      // A fresh documentation address per run, so runs and other files never share the bucket.
      const me = `2001:db8::${Math.floor(Math.random() * 0xffff).toString(16)}`;
      expect((await ask(app.url, me)).status).toBe(200);
      expect((await ask(app.url, me)).status).toBe(429);
      expect(await app.app.stores.redis?.exists(`rate:web:ip:${me}`)).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe.skipIf(!redisServerInstalled())('Redis down', () => {
  it('fails open (allows), logs once, and limits again when Redis is back', async () => {
    const redis = await privateRedis();
    await redis.start();
    const client = createRedisClient(redis.url);
    await redisReady(client);
    const { lines, logger } = logSink();
    const limiter = redisRateLimiter({ redis: client, perMinute: 1, logger });
    try {
      expect((await limiter.take('U1')).allowed).toBe(true);
      expect((await limiter.take('U1')).allowed).toBe(false);
      await redis.kill();
      await waitFor(() => client.status !== 'ready', 5000, 20);
      for (let i = 0; i < 5; i++) expect((await limiter.take('U1')).allowed).toBe(true);
      const warned = lines.filter((l) => /fail open/.test(l.msg));
      expect(warned).toHaveLength(1);
      expect(warned[0]?.level).toBe(40);

      await redis.start();
      await waitFor(() => client.status === 'ready', 15_000, 100);
      expect((await limiter.take('U3')).allowed).toBe(true);
      expect((await limiter.take('U3')).allowed).toBe(false);
      expect(lines.filter((l) => /Redis is back/.test(l.msg))).toHaveLength(1);
    } finally {
      client.disconnect();
      await redis.kill();
    }
  }, 60_000);
});
