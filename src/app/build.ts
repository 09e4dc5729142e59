import type { Config } from '../config.js';
import { createCopilot, DEFAULT_SETTINGS } from '../copilot/pipeline.js';
import { inProcessRateLimiter, type RateLimiter } from '../copilot/rate-limit.js';
import type { Copilot } from '../copilot/types.js';
import { withHandoffGate } from '../handoff/gate.js';
import type { HandoffService } from '../handoff/service.js';
import { createHttpApp, type HttpApp } from '../http/app.js';
import { createHandoffRoutes } from '../http/handoff-routes.js';
import { createMetrics } from '../http/metrics.js';
import { adminReindexRouter } from '../http/routes/admin-reindex.js';
import { sourcesRouter } from '../http/routes/sources.js';
import { inProcessLock, redisLock } from '../ingest/job-lock.js';
import type { Reindexer } from '../ingest/reindex-types.js';
import { createReindexer } from '../ingest/reindexer.js';
import { insightsHandoffNotifier } from '../insights/recorder.js';
import { insightsRouter } from '../insights/routes.js';
import { createAnswerGenerator } from '../llm/index.js';
import type { Logger } from '../logger.js';
import { redisRateLimiter } from '../memory/redis-rate-limit.js';
import { loadTemplates } from '../prompts/templates.js';
import { IndexHolder } from '../retrieval/index-holder.js';
import { startIndexSync } from '../retrieval/index-sync.js';
import { createIndexEmbedder } from '../retrieval/setup.js';
import { loadSpacePolicy, type SpacePolicy } from '../retrieval/spaces.js';
import { createHandoffDesk } from './handoff-desk.js';
import { ensureIndex, indexRun } from './index-setup.js';
import { createStores, type Stores } from './stores.js';

export interface BuiltApp {
  config: Config;
  http: HttpApp;
  copilot: Copilot;
  stores: Stores;
  index: IndexHolder;
  reindexer: Reindexer;
  /** The handoff desk; the Slack notifier joins with `handoffs.addNotifier(…)`. */
  handoffs: HandoffService;
  spaces: SpacePolicy;
  /** Per-user question limit (RATE_LIMIT_PER_MINUTE); Slack wraps its copilot with withRateLimit. */
  rateLimiter: RateLimiter;
  modes: Record<string, string>;
  close(): Promise<void>;
}

/** Wires every adapter from config. main.ts listens; tests call this with their own config. */
export async function buildApp(config: Config, logger: Logger): Promise<BuiltApp> {
  const spaces = loadSpacePolicy(config.knowledgeDir);
  const embedder = await createIndexEmbedder(config);
  await ensureIndex(config, embedder, logger);
  const index = new IndexHolder({ indexDir: config.indexDir, embedder, hnsw: config.hnsw });
  const stores = await createStores(config, logger);
  const metrics = createMetrics({
    handoffs: stores.handoffs,
    redisUp: () => (stores.redis ? stores.redis.status === 'ready' : null),
  });
  stores.onDegraded.add(metrics.degraded);
  const sync = startIndexSync({ holder: index, logger, redis: stores.redis });
  const reindexer = createReindexer({
    run: indexRun(config, embedder, logger),
    lock: stores.redis ? redisLock(stores.redis, 'copilot:lock:reindex') : inProcessLock,
    published: (version) => sync.publish(version),
    logger,
    observe: (job) => metrics.reindexFinished(job),
  });
  const desk = createHandoffDesk({ config, stores, reindexer, logger });
  desk.service.addNotifier(insightsHandoffNotifier(stores.insights, logger));
  const templates = loadTemplates(config.prompt.dir);
  const generator = createAnswerGenerator(config, templates);
  const modes = {
    llm: config.llm.provider === 'openai' ? `openai (${config.llm.model})` : 'offline (extractive)',
    embeddings: embedder.id,
    memory: stores.mode,
    slack: config.slack.enabled ? (config.slack.appToken ? 'socket mode' : 'http (/slack/events)') : 'off',
  };
  const copilot = createCopilot({
    index,
    embedder,
    generator,
    memory: stores.memory,
    answers: stores.answers,
    cache: stores.cache,
    handoffs: desk.service,
    templates,
    settings: {
      ...DEFAULT_SETTINGS,
      answerMinScore: config.thresholds.answerMinScore,
      annotationMinScore: config.thresholds.annotationMinScore,
      promptTokenBudget: config.prompt.tokenBudget,
      memoryTokenBudget: config.memory.tokenBudget,
      memoryTurns: config.memory.maxTurns,
    },
    modes: { ...modes, memory: stores.mode },
    logger,
    observer: metrics.observer,
    isPublic: spaces.isPublic,
  });
  const readiness = async () => {
    const checks: Record<string, boolean | string> = { index: index.current().version };
    let ready = true;
    if (stores.redis) {
      const redis = stores.redis;
      const up = await Promise.race([
        redis.ping().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), 500).unref()),
      ]);
      checks.redis = up;
      ready &&= up;
    }
    return { ready, checks };
  };
  const rateLimiter = stores.redis
    ? redisRateLimiter({ redis: stores.redis, perMinute: config.rateLimitPerMinute, logger })
    : inProcessRateLimiter({ perMinute: config.rateLimitPerMinute });
  // The web chat goes through the gate: silent (forwarding) while a ticket is open. Slack has its own.
  const http = createHttpApp({
    config,
    copilot: withHandoffGate(copilot, desk.service, logger),
    logger,
    readiness,
    conversationEvents: desk.conversationEvents,
    rateLimit: { limiter: rateLimiter },
  });
  // Source links of web answers: public spaces only, files of the served index only.
  http.mount(
    '/api/sources',
    sourcesRouter({
      index,
      knowledgeDir: config.knowledgeDir,
      isPublic: spaces.isPublic,
      maxFileBytes: config.ingest.maxFileBytes,
    }),
  );
  http.mount(
    '/api/console/insights',
    insightsRouter({ insights: stores.insights, answers: stores.answers, adminToken: config.adminToken }),
  );
  http.mount(
    '/',
    createHandoffRoutes({
      service: desk.service,
      answers: stores.answers,
      copilot,
      adminToken: config.adminToken,
    }),
  );
  http.mount('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  http.mount('/admin', adminReindexRouter({ reindexer, adminToken: config.adminToken }));
  return {
    config,
    http,
    copilot,
    stores,
    index,
    reindexer,
    handoffs: desk.service,
    spaces,
    rateLimiter,
    modes,
    close: async () => {
      await sync.stop();
      await desk.close();
      await stores.close();
    },
  };
}
