import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app/build.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { layout, readCurrentVersion } from '../../src/retrieval/index-files.js';
import { chat, copyKnowledge, startApp } from '../helpers/app.js';
import { privateRedis, redisServerInstalled, waitFor } from '../helpers/redis-server.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
const token = 'ops-test-admin-token';
const auth = { authorization: `Bearer ${token}` };

async function waitJob(url: string, id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const job = (await (await fetch(`${url}/admin/reindex/${id}`, { headers: auth })).json()) as Record<
      string,
      unknown
    >;
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('reindex job', () => {
  it('is off without ADMIN_TOKEN and needs the token', async () => {
    const kb = copyKnowledge();
    roots.push(kb.root);
    const off = await startApp({ KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir });
    try {
      expect((await fetch(`${off.url}/admin/reindex`, { method: 'POST' })).status).toBe(404);
    } finally {
      await off.close();
    }
    const on = await startApp({ KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir, ADMIN_TOKEN: token });
    try {
      expect((await fetch(`${on.url}/admin/reindex`, { method: 'POST' })).status).toBe(401);
      const wrong = await fetch(`${on.url}/admin/reindex`, {
        method: 'POST',
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.status).toBe(401);
    } finally {
      await on.close();
    }
  });

  it('simultaneous requests make one run plus at most one follow-up; a failed run keeps the old version', async () => {
    const kb = copyKnowledge();
    roots.push(kb.root);
    const app = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      ADMIN_TOKEN: token,
    });
    try {
      fs.appendFileSync(
        path.join(kb.knowledgeDir, 'faq.csv'),
        '"Do we gift-wrap?","Yes, for $4.95 per item."\n',
      );
      const posts = await Promise.all(
        [0, 1, 2, 3].map(() =>
          fetch(`${app.url}/admin/reindex`, { method: 'POST', headers: auth }).then((r) => r.json()),
        ),
      );
      const ids = new Set(posts.map((p) => (p as { jobId: string }).jobId));
      expect(ids.size).toBe(2); // the run, and one follow-up that the later requests joined
      const jobs = await Promise.all([...ids].map((id) => waitJob(app.url, id)));
      expect(jobs.map((j) => j.status)).toEqual(['succeeded', 'succeeded']);
      expect(jobs[0]).toMatchObject({ trigger: 'http', progress: { percent: 100 } });
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/copilot_reindex_seconds_count\{status="succeeded"\} 2/);

      // Break the next run: the served version must not change, and the job reports why.
      const before = readCurrentVersion(kb.indexDir) as string;
      const manifest = path.join(layout.version(kb.indexDir, before), 'default', 'manifest.json');
      fs.renameSync(manifest, `${manifest}.bak`);
      fs.writeFileSync(manifest, '{ not json');
      fs.appendFileSync(path.join(kb.knowledgeDir, 'faq.csv'), '"Do we ship on Sundays?","No."\n');
      const failed = await waitJob(
        app.url,
        (
          (await (await fetch(`${app.url}/admin/reindex`, { method: 'POST', headers: auth })).json()) as {
            jobId: string;
          }
        ).jobId,
      );
      expect(failed.status).toBe('failed');
      expect(JSON.stringify(failed.error)).toMatch(/JSON|manifest/i);
      expect(readCurrentVersion(kb.indexDir)).toBe(before);
      const r = await chat(app.url, { message: 'Do we gift-wrap orders?' });
      expect(r.done()).toMatchObject({ decision: 'answer' });
      fs.renameSync(`${manifest}.bak`, manifest);
    } finally {
      await app.close();
    }
  });
});

describe('metrics', () => {
  it('exposes the copilot metrics and they move with answers, feedback and handoffs', async () => {
    const kb = copyKnowledge();
    roots.push(kb.root);
    const app = await startApp({ KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir });
    try {
      const a = await chat(app.url, { message: 'What is the return window for a kettle?' });
      await chat(app.url, { message: 'What is the return window for a kettle?' });
      await chat(app.url, { message: 'What is the capital of France?' });
      await fetch(`${app.url}/api/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ answerId: a.done().answerId, rating: 'down', reason: 'too short' }),
      });
      const text = await (await fetch(`${app.url}/metrics`)).text();
      for (const name of [
        'copilot_answer_seconds',
        'copilot_first_token_seconds',
        'copilot_retrieval_top_score',
        'copilot_decisions_total',
        'copilot_cache_hits_total',
        'copilot_annotation_hits_total',
        'copilot_feedback_total',
        'copilot_handoffs',
        'copilot_llm_tokens_total',
        'copilot_llm_cost_usd_total',
        'copilot_reindex_seconds',
      ]) {
        expect(text).toContain(`# TYPE ${name} `);
      }
      expect(text).toMatch(/copilot_decisions_total\{decision="answer"\} 2/);
      expect(text).toMatch(/copilot_decisions_total\{decision="escalate"\} 1/);
      expect(text).toMatch(/copilot_cache_hits_total 1/);
      expect(text).toMatch(/copilot_feedback_total\{rating="down"\} 1/);
      expect(text).toMatch(/copilot_handoffs\{state="open"\} 1/);
      expect(text).toMatch(/copilot_first_token_seconds_count [1-9]/);
    } finally {
      await app.close();
    }
  });
});

describe.skipIf(!redisServerInstalled())('readiness with Redis', () => {
  it('turns unready when Redis stops and ready again when it returns; answers continue meanwhile', async () => {
    const kb = copyKnowledge();
    roots.push(kb.root);
    const redis = await privateRedis();
    await redis.start();
    const app = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      REDIS_URL: redis.url,
    });
    try {
      const ready = async () => (await fetch(`${app.url}/readyz`)).status;
      expect(await ready()).toBe(200);
      await redis.kill();
      await waitFor(async () => (await ready()) === 503, 10_000);
      const r = await chat(app.url, {
        message: 'What is the return window for a kettle?',
        conversationId: 'outage-1-conversation-00000000',
      });
      expect(r.done()).toMatchObject({ decision: 'answer' });
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/copilot_redis_up 0/);
      expect(metrics).toMatch(/copilot_memory_degraded_total\{op="[a-z.]+"\} [1-9]/);
      await redis.start();
      await waitFor(async () => (await ready()) === 200, 15_000, 200);
    } finally {
      await app.close();
      await redis.kill();
    }
  }, 60_000);
});

describe('logs', () => {
  it('never contain the email, phone number or API token a user typed', async () => {
    const kb = copyKnowledge();
    roots.push(kb.root);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const config = loadConfig({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      LOG_LEVEL: 'trace',
      // An unreachable model makes the pipeline log a failure that carries the question context.
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      LLM_MAX_RETRIES: '0',
      LLM_TIMEOUT_MS: '500',
    });
    const app = await buildApp(config, createLogger({ level: 'trace', destination: sink }));
    const server = app.http.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const secret = 'sk-proj-AbCdEf1234567890XyZ';
      const message = `Refund for jane.doe@example.com please, call +1 (206) 555-0134, my key is ${secret}`;
      const r = await chat(url, { message });
      expect(r.status).toBe(200);
      await fetch(`${url}/api/handoffs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ conversationId: 'pii-1-conversation-00000000', message }),
      });
      const all = lines.join('');
      expect(all).toContain('question received');
      expect(all).toContain('[email]');
      expect(all).not.toContain('jane.doe@example.com');
      expect(all).not.toContain('555-0134');
      expect(all).not.toContain(secret);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
    }
  });
});
