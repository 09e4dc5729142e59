import type { Config } from '../config.js';
import { createCopilot, DEFAULT_SETTINGS } from '../copilot/pipeline.js';
import { inProcessRateLimiter } from '../copilot/rate-limit.js';
import type { Copilot } from '../domain/copilot.js';
import type { RateLimiter } from '../domain/rate-limit.js';
import { CopilotError } from '../errors.js';
import { withHandoffGate } from '../handoff/gate.js';
import type { HandoffService } from '../handoff/service.js';
import { createHttpApp, type HttpApp } from '../http/app.js';
import { createHandoffRoutes } from '../http/handoff-routes.js';
import { createMetrics } from '../http/metrics.js';
import { adminReindexRouter } from '../http/routes/admin-reindex.js';
import { adminSafetyRouter } from '../http/routes/admin-safety.js';
import { insightsRouter } from '../http/routes/insights.js';
import { reviewDueRouter } from '../http/routes/review-due.js';
import { sourcesRouter } from '../http/routes/sources.js';
import { inProcessLock, redisLock } from '../ingest/job-lock.js';
import type { Reindexer } from '../ingest/reindex-types.js';
import { createReindexer } from '../ingest/reindexer.js';
import { insightsHandoffNotifier } from '../insights/recorder.js';
import { createBudget, InProcessBudgetCounter, RedisBudgetCounter } from '../llm/budget.js';
import { createAnswerGenerator } from '../llm/index.js';
import { createOfflineGenerator } from '../llm/offline.js';
import { addPrices, hasPrice } from '../llm/pricing.js';
import type { Logger } from '../logger.js';
import { redisRateLimiter } from '../memory/redis-rate-limit.js';
import { loadTemplates } from '../prompts/templates.js';
import { IndexHolder } from '../retrieval/index-holder.js';
import { startIndexSync } from '../retrieval/index-sync.js';
import { type ReviewItem, reviewDue } from '../retrieval/review.js';
import { createIndexEmbedder } from '../retrieval/setup.js';
import { livePolicy, loadSpacePolicy, type SpacePolicy, spaceFolder } from '../retrieval/spaces.js';
import { createModerationClient } from '../safety/moderation.js';
import { safetyFromDir } from '../safety/service.js';
import type { SlackHealth } from '../slack/types.js';
import { createSourceRunner, type SourceRunner } from '../sources/scheduler.js';
import { createHandoffDesk } from './handoff-desk.js';
import { ensureIndex, indexRun } from './index-setup.js';
import { createStores, type Stores } from './stores.js';

export interface BuiltApp {
  /** Documents of the served index past their review_after date (admins: console, App Home). */
  reviewDue(): ReviewItem[];
  config: Config;
  http: HttpApp;
  copilot: Copilot;
  stores: Stores;
  index: IndexHolder;
  reindexer: Reindexer;
  /** knowledge/sources.json: sync by hand, last sync per source; schedules run while the app is up. */
  sources: SourceRunner;
  /** The handoff desk; the Slack notifier joins with `handoffs.addNotifier(…)`. */
  handoffs: HandoffService;
  spaces: SpacePolicy;
  /** Per-user question limit (RATE_LIMIT_PER_MINUTE); Slack wraps its copilot with withRateLimit. */
  rateLimiter: RateLimiter;
  modes: Record<string, string>;
  /** Surfaces attached after build (Slack): their health shows in /readyz and /api/status. */
  surfaces: { slack?: () => SlackHealth };
  close(): Promise<void>;
}

/** Wires every adapter from config. main.ts listens; tests call this with their own config. */
export interface BuildOptions {
  /** Clock for freshness (valid_from / valid_until, review_after); tests inject one. Default Date.now. */
  now?: () => number;
}

export async function buildApp(config: Config, logger: Logger, opts: BuildOptions = {}): Promise<BuiltApp> {
  const startupPolicy = loadSpacePolicy(config.knowledgeDir);
  const embedder = await createIndexEmbedder(config);
  await ensureIndex(config, embedder, logger);
  const index = new IndexHolder({ indexDir: config.indexDir, embedder, hnsw: config.hnsw });
  // The space policy follows the index version being served (reloaded on every hot swap).
  const spaces = livePolicy(
    () => index.current(),
    () => startupPolicy,
  );
  const stores = await createStores(config, logger);
  const metrics = createMetrics({
    handoffs: stores.handoffs,
    redisUp: () => (stores.redis ? stores.redis.status === 'ready' : null),
  });
  stores.onDegraded.add(metrics.degraded);
  const sync = startIndexSync({ holder: index, logger, redis: stores.redis });
  const reindexer = createReindexer({
    run: indexRun(config, embedder, logger),
    lock: stores.redis ? redisLock(stores.redis, 'lock:reindex') : inProcessLock,
    published: (version) => sync.publish(version),
    logger,
    observe: (job) => metrics.reindexFinished(job),
  });
  const desk = createHandoffDesk({
    config,
    stores,
    reindexer,
    logger,
    folderOf: (space) => spaceFolder(spaces.file, space),
  });
  const sources = createSourceRunner({
    knowledgeDir: config.knowledgeDir,
    notion: { token: config.sources.notionToken, baseUrl: config.sources.notionBaseUrl },
    lock: (name) => (stores.redis ? redisLock(stores.redis, `lock:source:${name}`) : inProcessLock),
    reindexer,
    logger,
  });
  if (config.sources.schedule) await sources.start();
  desk.service.addNotifier(insightsHandoffNotifier(stores.insights, logger));
  const safety = safetyFromDir(config.safety.dir, {
    onBlockedQuestion: config.safety.onQuestion,
    logger,
    counted: metrics.safetyBlocked,
    ...(config.safety.moderation
      ? {
          moderation: createModerationClient({
            url: config.safety.moderation.url,
            ...(config.safety.moderation.apiKey ? { apiKey: config.safety.moderation.apiKey } : {}),
            ...(config.safety.moderation.model ? { model: config.safety.moderation.model } : {}),
            logger,
          }),
        }
      : {}),
  });
  const templates = loadTemplates(config.prompt.dir);
  addPrices(config.llm.prices);
  const budget = createBudget({
    limits: config.budget,
    counter: stores.redis ? new RedisBudgetCounter(stores.redis) : new InProcessBudgetCounter(),
    logger,
  });
  // A cost budget is only as good as the cost table: every configured model must be priced.
  if (
    budget &&
    (config.budget.costPerSpaceUsd || config.budget.costPerUserUsd) &&
    config.llm.provider !== 'offline'
  ) {
    const models = [config.llm.model, ...config.llm.fallbackModels, ...spaces.models()];
    const unpriced = models.filter((m) => !hasPrice(m));
    if (unpriced.length) {
      throw new CopilotError(
        'config:invalid',
        `No price for model(s) ${unpriced.join(', ')}, so a cost budget cannot be kept.`,
        {
          hint: 'Add them to LLM_PRICES (USD per 1M tokens), or use a token budget instead.',
        },
      );
    }
  }
  const generator = createAnswerGenerator(config, templates, metrics.llmAttempt);
  // spaces.json may name a model per space (a cheaper one for one business line): one generator
  // per model, same provider and fallback chain, created on first use.
  const bySpaceModel = new Map<string, typeof generator>();
  const generatorFor = (space: string) => {
    const model = spaces.model(space);
    if (!model || model === config.llm.model || config.llm.provider === 'offline') return generator;
    let g = bySpaceModel.get(model);
    if (!g) {
      g = createAnswerGenerator({ ...config, llm: { ...config.llm, model } }, templates, metrics.llmAttempt);
      bySpaceModel.set(model, g);
    }
    return g;
  };
  const modes = {
    llm:
      config.llm.provider === 'offline'
        ? 'offline (extractive)'
        : `${config.llm.provider} (${config.llm.model})`,
    embeddings: embedder.id,
    memory: stores.mode,
    slack: config.slack.enabled ? (config.slack.appToken ? 'socket mode' : 'http (/slack/events)') : 'off',
  };
  const copilot = createCopilot({
    index,
    embedder,
    generator,
    generatorFor,
    budget,
    overBudget: createOfflineGenerator(),
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
    ...(opts.now ? { now: opts.now } : {}),
    observer: metrics.observer,
    isPublic: spaces.isPublic,
    safety,
  });
  const surfaces: BuiltApp['surfaces'] = {};
  const readiness = async () => {
    const checks: Record<string, boolean | string> = { index: index.current().version };
    let ready = true;
    // Slack unreachable does not make the replica unready: the web chat still answers.
    if (surfaces.slack) checks.slack = surfaces.slack().state;
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
  // Opening handoff tickets from the web: its own, smaller budget (a ticket costs a teammate's time).
  const handoffCreateLimiter = stores.redis
    ? redisRateLimiter({
        redis: stores.redis,
        perMinute: config.handoff.createPerMinute,
        logger,
        prefix: 'rate:handoff:',
      })
    : inProcessRateLimiter({ perMinute: config.handoff.createPerMinute });
  // The web chat goes through the gate: silent (forwarding) while a ticket is open. Slack has its own.
  const http = createHttpApp({
    config,
    copilot: withHandoffGate(copilot, desk.service, logger),
    logger,
    readiness,
    conversationEvents: desk.conversationEvents,
    rateLimit: { limiter: rateLimiter },
    statusExtras: () => (surfaces.slack ? { slack: surfaces.slack() } : {}),
  });
  // Documents past their review_after date, for admins (console page and App Home).
  http.mount(
    '/api/console/review-due',
    reviewDueRouter({ index, adminToken: config.adminToken, ...(opts.now ? { now: opts.now } : {}) }),
  );
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
    insightsRouter({
      insights: stores.insights,
      answers: stores.answers,
      saver: desk.saver,
      reindexer,
      knowledgeDir: config.knowledgeDir,
      adminToken: config.adminToken,
    }),
  );
  http.mount(
    '/',
    createHandoffRoutes({
      service: desk.service,
      answers: stores.answers,
      copilot,
      adminToken: config.adminToken,
      createLimiter: handoffCreateLimiter,
    }),
  );
  http.mount('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  http.mount('/admin', adminReindexRouter({ reindexer, adminToken: config.adminToken }));
  http.mount('/admin', adminSafetyRouter({ safety, adminToken: config.adminToken }));
  return {
    config,
    http,
    copilot,
    stores,
    index,
    reindexer,
    sources,
    handoffs: desk.service,
    spaces,
    rateLimiter,
    modes,
    surfaces,
    reviewDue: () => reviewDue(index.current(), opts.now?.() ?? Date.now()),
    close: async () => {
      sources.stop();
      await sync.stop();
      await desk.close();
      await stores.close();
    },
  };
}
