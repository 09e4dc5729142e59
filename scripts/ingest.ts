import { indexRun } from '../src/app/index-setup.js';
import { envWith, parseCli, runCli } from '../src/cli/run.js';
import { loadConfig } from '../src/config.js';
import { CopilotError } from '../src/errors.js';
import { inProcessLock, redisLock } from '../src/ingest/job-lock.js';
import { createProgressReporter } from '../src/ingest/progress.js';
import { createReindexer } from '../src/ingest/reindexer.js';
import { createLogger } from '../src/logger.js';
import { createRedisClient, redisReady } from '../src/memory/redis-client.js';
import { indexChannel } from '../src/retrieval/index-sync.js';
import { createIndexEmbedder } from '../src/retrieval/setup.js';

const USAGE = `
Usage: npm run ingest -- [--knowledge DIR] [--index DIR] [--full] [--json]
Builds or incrementally updates the search index from the knowledge dir.
  --knowledge DIR  knowledge base (default KNOWLEDGE_DIR or ./knowledge)
  --index DIR      index output (default INDEX_DIR or ./data/index)
  --full           rebuild every space (unchanged chunks still come from the embedding cache)
  --json           print only a JSON summary on stdout`;

runCli(async () => {
  const { values } = parseCli(
    {
      knowledge: { type: 'string' },
      index: { type: 'string' },
      full: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const config = loadConfig(envWith(values));
  const log = createLogger({ level: config.logLevel, name: 'ingest' });
  const embedder = await createIndexEmbedder(config);
  const progress = createProgressReporter({ quiet: Boolean(values.json) && !process.stderr.isTTY });
  // The same reindex job as every other trigger: with REDIS_URL it takes the shared lock (so it
  // never overlaps a server's run) and announces the new version, and running replicas hot-swap.
  const redis = config.redisUrl ? createRedisClient(config.redisUrl) : null;
  if (redis) await redisReady(redis);
  const reindexer = createReindexer({
    run: indexRun(config, embedder, log, { full: Boolean(values.full) }),
    lock: redis ? redisLock(redis, 'lock:reindex') : inProcessLock,
    published: async (version) => {
      await redis?.publish(indexChannel(redis), version);
    },
    logger: log,
  });
  reindexer.onUpdate((job) => progress.update(job.progress));
  const job = await reindexer.wait(reindexer.request('cli', 'cli').id);
  await redis?.quit();
  if (job.status !== 'succeeded' || !job.summary) {
    progress.stop();
    throw new CopilotError(job.error?.code ?? 'index:failed', job.error?.message ?? 'The index run failed.', {
      hint: 'The previous index version is still in place.',
    });
  }
  const summary = job.summary;
  progress.stop();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  const s = summary;
  process.stdout.write(
    `Indexed ${s.documents} documents, ${s.chunks} chunks in ${s.ms} ms (version ${s.version}).\n` +
      `  added ${s.added}, updated ${s.updated}, removed ${s.removed}, unchanged ${s.unchanged}; embedded ${s.embedded} chunk texts\n`,
  );
  for (const k of s.skipped) process.stdout.write(`  skipped ${k.path}: ${k.reason}\n`);
  return 0;
});
