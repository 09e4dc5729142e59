import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { runIndex } from '../../src/ingest/indexer.js';
import { createRedisClient, redisReady } from '../../src/memory/redis-client.js';
import { createLocalEmbedder } from '../../src/retrieval/embedders/local.js';
import { IndexHolder } from '../../src/retrieval/index-holder.js';
import { startIndexSync } from '../../src/retrieval/index-sync.js';
import { waitFor } from '../helpers/redis-server.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const root = tmpDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe.skipIf(!(await redisAvailable()))('index version pub/sub', () => {
  it('a published version is loaded by another replica at once (no polling)', async () => {
    const knowledgeDir = path.join(root, 'kb');
    const indexDir = path.join(root, 'idx');
    const hnsw = { m: 16, efConstruction: 100, efSearch: 64 };
    const embedder = createLocalEmbedder();
    const index = () => runIndex({ knowledgeDir, indexDir, embedder, hnsw, maxFileBytes: 1 << 20 });
    writeFiles(knowledgeDir, { 'a.md': '# A\n\nFirst version.\n' });
    await index();
    const [ra, rb] = [createRedisClient(REDIS_URL), createRedisClient(REDIS_URL)];
    await Promise.all([redisReady(ra), redisReady(rb)]);
    const logger = pino({ level: 'silent' });
    const a = new IndexHolder({ indexDir, embedder, hnsw });
    const b = new IndexHolder({ indexDir, embedder, hnsw });
    // Polling effectively off: only pub/sub can move replica B.
    const syncA = startIndexSync({ holder: a, logger, redis: ra, pollMs: 3_600_000 });
    const syncB = startIndexSync({ holder: b, logger, redis: rb, pollMs: 3_600_000 });
    try {
      await new Promise((r) => setTimeout(r, 300)); // subscriptions in place
      writeFiles(knowledgeDir, { 'b.md': '# B\n\nSecond version.\n' });
      const { version } = await index();
      await syncA.publish(version);
      expect(a.current().version).toBe(version);
      await waitFor(() => b.current().version === version, 2000, 20);
    } finally {
      await syncA.stop();
      await syncB.stop();
      await ra.quit();
      await rb.quit();
    }
  });
});
