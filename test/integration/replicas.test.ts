import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chat, copyKnowledge } from '../helpers/app.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';

const kb = copyKnowledge();
const servers: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  fs.rmSync(kb.root, { recursive: true, force: true });
});

describe.skipIf(!(await redisAvailable()))('two replicas sharing Redis and INDEX_DIR', () => {
  it('a reindex through one makes the other answer from the new version within 2 seconds', async () => {
    const env = {
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      REDIS_URL,
      ADMIN_TOKEN: 'replica-test-token',
    };
    const a = await startServerProcess(env);
    servers.push(a);
    const b = await startServerProcess(env);
    servers.push(b);
    const question = { message: 'What is the loyalty discount code for returning wholesale buyers?' };
    const before = await chat(b.url, question);
    const beforeSources = ((before.of('sources')[0]?.sources ?? []) as Array<{ source: string }>).map(
      (s) => s.source,
    );
    expect(beforeSources).not.toContain('wholesale-loyalty.md');

    fs.writeFileSync(
      path.join(kb.knowledgeDir, 'wholesale-loyalty.md'),
      '# Wholesale loyalty\n\nReturning wholesale buyers get the loyalty discount code HARBORPRO12: 12% off orders over $500.\n',
    );
    const res = await fetch(`${a.url}/admin/reindex`, {
      method: 'POST',
      headers: { authorization: 'Bearer replica-test-token' },
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    let job: { status: string } = { status: 'queued' };
    while (job.status === 'queued' || job.status === 'running') {
      await new Promise((r) => setTimeout(r, 50));
      job = (await (
        await fetch(`${a.url}/admin/reindex/${jobId}`, {
          headers: { authorization: 'Bearer replica-test-token' },
        })
      ).json()) as {
        status: string;
      };
    }
    expect(job.status).toBe('succeeded');
    const finishedAt = Date.now();

    let sources: string[] = [];
    while (Date.now() - finishedAt < 2000) {
      const r = await chat(b.url, question);
      sources = ((r.of('sources')[0]?.sources ?? []) as Array<{ source: string }>).map((s) => s.source);
      if (sources.includes('wholesale-loyalty.md')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Date.now() - finishedAt).toBeLessThan(2000);
    expect(sources).toContain('wholesale-loyalty.md');
  }, 120_000);
});
