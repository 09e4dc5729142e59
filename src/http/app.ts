import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { Copilot } from '../domain/copilot.js';
import { createInProcessEventBus } from '../handoff/events.js';
import type { Logger } from '../logger.js';
import { errorHandler, JSON_BODY_LIMIT, notFound } from './error-handler.js';
import { type HttpRateLimit, rateLimit } from './rate-limit.js';
import { requestContext } from './request-context.js';
import { chatRoute } from './routes/chat.js';
import { type ConversationEventsDeps, conversationEventsRoute } from './routes/conversation-events.js';
import { feedbackRoute } from './routes/feedback.js';
import { healthzRoute, type Readiness, readyzRoute } from './routes/health.js';
import { statusRoute } from './routes/status.js';
import { cors, securityHeaders } from './security.js';
import { vendorRoute } from './vendor.js';

export type { Readiness };

export interface HttpDeps {
  config: Config;
  copilot: Copilot;
  logger: Logger;
  /** Readiness checks from the composition root (index loaded, Redis, Slack…); default: copilot.status().ready. */
  readiness?: Readiness;
  /** Routers mounted at creation time, same as calling `mount` for each. */
  extraRouters?: Array<{ path: string; router: RequestHandler }>;
  /** SSE heartbeat interval (default 15 s); tests shorten it. */
  heartbeatMs?: number;
  /**
   * Human replies for the web chat (GET /api/conversations/:id/events). Always served, so the page
   * can listen from its first answer; without a handoff desk nothing is ever published on it.
   */
  conversationEvents?: Omit<ConversationEventsDeps, 'heartbeatMs'>;
  /** Per-client limit on POST /api/chat (429 when over); none when absent. */
  rateLimit?: HttpRateLimit;
  /** More of the service's state for GET /api/status (e.g. `slack: {state}` once Slack is attached). */
  statusExtras?: () => Record<string, unknown>;
}

export interface HttpApp {
  /** The express app; the caller listens (`app.listen(port, host)`). */
  app: Express;
  /**
   * Mounts a router after the built-in routes but before the 404 and error handlers, so it can be
   * called after creation (Slack receiver, admin, console). Paths under /api get CORS and the JSON
   * body parser; other paths get no body parsing (Slack's signature check needs the raw body).
   */
  mount(path: string, router: RequestHandler): void;
}

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** Body parser for mounted routers outside /api (e.g. /admin) that want the same limit and errors. */
export function jsonBody(): RequestHandler {
  return express.json({ limit: JSON_BODY_LIMIT });
}

export function createHttpApp(deps: HttpDeps): HttpApp {
  const { config, copilot, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Decides what req.ip is (the rate-limit key): the socket address unless TRUST_PROXY says otherwise.
  app.set('trust proxy', config.trustProxy);

  app.use(requestContext(logger));
  app.use(securityHeaders());
  // JSON parsing only under /api: a global parser would consume the raw body Slack signs.
  app.use('/api', cors(config.corsOrigins), jsonBody(), (_req, res, next) => {
    // Answers and status are per-user and change constantly: never cache them.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  app.get('/healthz', healthzRoute());
  app.get('/readyz', readyzRoute({ copilot, ...(deps.readiness ? { readiness: deps.readiness } : {}) }));
  app.post(
    '/api/chat',
    ...(deps.rateLimit ? [rateLimit(deps.rateLimit)] : []),
    chatRoute({
      copilot,
      logger,
      ...(deps.heartbeatMs !== undefined ? { heartbeatMs: deps.heartbeatMs } : {}),
    }),
  );
  app.post('/api/feedback', feedbackRoute({ copilot }));
  app.get(
    '/api/status',
    statusRoute({ copilot, ...(deps.statusExtras ? { extras: deps.statusExtras } : {}) }),
  );
  app.get(
    '/api/conversations/:id/events',
    conversationEventsRoute({
      ...(deps.conversationEvents ?? { bus: createInProcessEventBus() }),
      ...(deps.heartbeatMs !== undefined ? { heartbeatMs: deps.heartbeatMs } : {}),
      maxStreamsPerClient: config.sse.maxStreamsPerClient,
      maxLifetimeMs: config.sse.maxLifetimeMs,
    }),
  );

  app.get('/vendor/:name', vendorRoute());
  // The web chat page: plain files, no build step.
  app.use(express.static(PUBLIC_DIR, { index: 'index.html', dotfiles: 'ignore' }));

  // Later routers land in this slot, which stays ahead of the 404/error handlers below.
  const extensions = express.Router();
  app.use(extensions);
  const mount = (path: string, router: RequestHandler) => {
    extensions.use(path, router);
  };
  for (const r of deps.extraRouters ?? []) mount(r.path, r.router);

  app.use(notFound());
  app.use(errorHandler(logger));
  return { app, mount };
}
