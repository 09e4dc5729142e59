import type { RequestHandler } from 'express';
import type { Copilot } from '../../domain/copilot.js';
import { userMessage } from '../../errors.js';

export type Readiness = () => Promise<{ ready: boolean; checks: Record<string, boolean | string> }>;

/** Liveness: answers as long as the event loop does. Never checks dependencies (a Redis blip must not restart pods). */
export function healthzRoute(): RequestHandler {
  return (_req, res) => {
    res.json({ ok: true });
  };
}

/**
 * Readiness: 200 when this replica can answer, 503 otherwise (load balancers stop routing to it).
 * Uses the composition root's checks when given, else the copilot's own view.
 */
export function readyzRoute(deps: { copilot: Copilot; readiness?: Readiness }): RequestHandler {
  const check: Readiness =
    deps.readiness ??
    (async () => {
      const s = await deps.copilot.status();
      return { ready: s.ready, checks: { index: s.ready } };
    });
  return async (_req, res) => {
    let result: Awaited<ReturnType<Readiness>>;
    try {
      result = await check();
    } catch (err) {
      result = { ready: false, checks: { error: userMessage(err) } };
    }
    res.status(result.ready ? 200 : 503).json(result);
  };
}
