import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisLock } from '../../src/ingest/job-lock.js';
import { createSourceRunner } from '../../src/sources/scheduler.js';
import { type FakeSite, html, startFakeSite } from '../fakes/website.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { tmpDir } from '../helpers/tmp.js';

// Two replicas sharing the knowledge dir and Redis: a scheduled tick syncs a source once.
describe.skipIf(!(await redisAvailable()))('scheduled source across replicas', () => {
  const kb = tmpDir('copilot-src-replicas-');
  const prefix = `test:i12b:${process.pid}:${Date.now()}:`;
  let redis: Redis;
  let site: FakeSite;
  const runner = () =>
    createSourceRunner({
      knowledgeDir: kb,
      lock: (name) => redisLock(redis, `${prefix}${name}`, { pollMs: 20 }),
      logger: pino({ level: 'silent' }),
    });

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    site = await startFakeSite({
      '/robots.txt': { type: 'text/plain', body: '' },
      '/d/': { body: html('D', '<p>Slow page.</p>'), delayMs: 400 },
    });
    fs.writeFileSync(
      path.join(kb, 'sources.json'),
      JSON.stringify({
        sources: [{ name: 'd', type: 'website', space: 'default', start_urls: [`${site.url}/d/`] }],
      }),
    );
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await site.close();
    fs.rmSync(kb, { recursive: true, force: true });
  });

  it('the replica that waited for the lock finds the tick done and does not sync again', async () => {
    const [a, b] = [runner(), runner()];
    const tick = Date.now();
    const first = a.tick('d', tick);
    // b fires the same tick while a holds the lock (a's page takes 400 ms)
    await new Promise((r) => setTimeout(r, 100));
    expect(await redis.exists(`${prefix}default:d`)).toBe(1);
    const second = b.tick('d', tick);
    const [sa, sb] = await Promise.all([first, second]);
    expect(sa?.ok).toBe(true);
    expect(sb).toEqual(sa);
    expect(site.requests.filter((r) => r.path === '/d/')).toHaveLength(1);
    expect(await redis.exists(`${prefix}default:d`)).toBe(0);
    // the next tick syncs again (a 304 this time)
    const next = await b.tick('d', Date.now());
    expect(next).toMatchObject({ ok: true, unchanged: 1 });
    expect(site.requests.filter((r) => r.path === '/d/')).toHaveLength(2);
  });
});
