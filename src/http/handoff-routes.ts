import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import type { AnswerStore } from '../domain/answers.js';
import type { Copilot } from '../domain/copilot.js';
import type { RateLimiter } from '../domain/rate-limit.js';
import type { HandoffService } from '../handoff/service.js';
import { clientAddressKey, rateLimit } from './rate-limit.js';
import { consoleRouter } from './routes/console.js';
import { handoffsRoute } from './routes/handoffs.js';

const CONSOLE_PAGE = fileURLToPath(new URL('./public/console.html', import.meta.url));

export interface HandoffRoutesDeps {
  service: HandoffService;
  answers: AnswerStore;
  copilot: Copilot;
  adminToken: string | undefined;
  /**
   * Ticket creation limit (HANDOFF_CREATE_PER_MINUTE), taken per client address before anything
   * else and per conversation before a new ticket is opened. Absent → no limit (tests, CLIs).
   */
  createLimiter?: RateLimiter;
}

/**
 * The handoff desk over HTTP; mount at "/" with `http.mount('/', createHandoffRoutes(…))`.
 * POST /api/handoffs (the chat's "Ask a human"), the console API under /api/console, and the
 * console page at /console (its script and styles are served with the other static files).
 * Replies reach the asker through GET /api/conversations/:id/events, served by createHttpApp.
 */
export function createHandoffRoutes(deps: HandoffRoutesDeps): Router {
  const r = express.Router();
  const limiter = deps.createLimiter;
  r.post(
    '/api/handoffs',
    ...(limiter ? [rateLimit({ limiter, keyOf: (req) => `handoff:${clientAddressKey(req)}` })] : []),
    handoffsRoute(deps),
  );
  r.use('/api/console', consoleRouter(deps));
  // The page itself is public: without the token it can do nothing, and it says how to get in.
  r.get('/console', (_req, res) => res.sendFile(CONSOLE_PAGE));
  return r;
}
