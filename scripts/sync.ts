import cliProgress from 'cli-progress';
import { indexRun } from '../src/app/index-setup.js';
import { envWith, parseCli, runCli } from '../src/cli/run.js';
import { loadConfig } from '../src/config.js';
import { inProcessLock, redisLock } from '../src/ingest/job-lock.js';
import { createProgressReporter } from '../src/ingest/progress.js';
import { createReindexer } from '../src/ingest/reindexer.js';
import { createLogger } from '../src/logger.js';
import { createRedisClient, redisReady } from '../src/memory/redis-client.js';
import { indexChannel } from '../src/retrieval/index-sync.js';
import { createIndexEmbedder } from '../src/retrieval/setup.js';
import { createSourceRunner } from '../src/sources/scheduler.js';
import type { SyncProgress } from '../src/sources/types.js';

const USAGE = `
Usage: npm run sync -- [--source NAME] [--knowledge DIR] [--index DIR] [--json]
Syncs the sources declared in KNOWLEDGE_DIR/sources.json (all, or one) into
knowledge/<space>/_sources/<source>/, then updates the index when anything changed.
  --source NAME    only this source
  --knowledge DIR  knowledge base (default KNOWLEDGE_DIR or ./knowledge)
  --index DIR      index output (default INDEX_DIR or ./data/index)
  --json           print only a JSON summary on stdout`;

/** A bar per source on a TTY (stderr), plain lines otherwise; stdout stays for results. */
function syncProgress(quiet: boolean) {
  const stream = process.stderr;
  if (quiet) return { update: (_p: SyncProgress) => {}, stop: () => {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: ' {source} [{bar}] {value}/{total} {eta_formatted}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let current = '';
    return {
      update(p: SyncProgress) {
        if (p.source !== current) {
          if (current) bar.stop();
          current = p.source;
          bar.start(Math.max(1, p.total), p.done, { source: p.source });
        } else {
          bar.setTotal(Math.max(1, p.total));
          bar.update(p.done, { source: p.source });
        }
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p: SyncProgress) {
      const now = Date.now();
      if (now - last < 1000 && p.done !== p.total) return;
      last = now;
      stream.write(`[sync] ${p.source} ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}\n`);
    },
    stop: () => {},
  };
}

runCli(async () => {
  const { values } = parseCli(
    {
      source: { type: 'string' },
      knowledge: { type: 'string' },
      index: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const config = loadConfig(envWith(values));
  const log = createLogger({ level: config.logLevel, name: 'sync' });
  const quiet = Boolean(values.json) && !process.stderr.isTTY;
  const redis = config.redisUrl ? createRedisClient(config.redisUrl) : null;
  if (redis) await redisReady(redis);
  const embedder = await createIndexEmbedder(config);
  const indexProgress = createProgressReporter({ quiet });
  // The same reindex job and locks as the server: never overlaps a replica's run of this source.
  const reindexer = createReindexer({
    run: indexRun(config, embedder, log),
    lock: redis ? redisLock(redis, 'lock:reindex') : inProcessLock,
    published: async (version) => {
      await redis?.publish(indexChannel(redis), version);
    },
    logger: log,
  });
  reindexer.onUpdate((job) => indexProgress.update(job.progress));
  const runner = createSourceRunner({
    knowledgeDir: config.knowledgeDir,
    notion: { token: config.sources.notionToken, baseUrl: config.sources.notionBaseUrl },
    lock: (name) => (redis ? redisLock(redis, `lock:source:${name}`) : inProcessLock),
    reindexer,
    logger: log,
  });
  const progress = syncProgress(quiet);
  try {
    const results = await runner.run(values.source, (p) => progress.update(p));
    progress.stop();
    indexProgress.stop();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(results)}\n`);
    } else {
      if (results.length === 0) process.stdout.write('No sources declared in sources.json.\n');
      for (const r of results) {
        process.stdout.write(
          `${r.ok ? 'synced' : 'FAILED'} ${r.source} (${r.type} → ${r.space}): ${r.pages} pages, ${r.changed} changed, ${r.unchanged} unchanged, ${r.removed} removed in ${r.ms} ms\n`,
        );
        for (const s of r.skipped) process.stdout.write(`  skipped ${s.url}: ${s.reason}\n`);
        for (const e of r.errors) process.stdout.write(`  error ${e.url ? `${e.url}: ` : ''}${e.message}\n`);
      }
    }
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    await redis?.quit();
  }
});
