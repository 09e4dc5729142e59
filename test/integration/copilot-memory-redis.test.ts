import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { chat, copyKnowledge, startApp } from '../helpers/app.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';

const kb = copyKnowledge();
afterAll(() => fs.rmSync(kb.root, { recursive: true, force: true }));

describe.skipIf(!(await redisAvailable()))('conversation memory in Redis', () => {
  it('answers a follow-up after a server restart from the right passages', async () => {
    const env = { KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir, REDIS_URL };
    const conversationId = `restart-${randomUUID()}`;
    const first = await startApp(env);
    try {
      const r = await chat(first.url, {
        message: 'How long is the return window for customers?',
        conversationId,
      });
      expect(r.done()).toMatchObject({ decision: 'answer' });
    } finally {
      await first.close();
    }
    const second = await startApp(env);
    try {
      const follow = await chat(second.url, {
        message: 'and for the other business line?',
        conversationId,
        space: 'apparel',
      });
      expect(follow.done()).toMatchObject({ decision: 'answer' });
      const sources = follow.of('sources')[0]?.sources as Array<{ source: string }>;
      expect(sources.map((s) => s.source)).toContain('apparel/returns-and-refunds.md');
      const turns = await second.app.stores.memory.recent(`web:${conversationId}`, 10);
      expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      await second.app.stores.memory.clear(`web:${conversationId}`);
    } finally {
      await second.close();
    }
  });
});
