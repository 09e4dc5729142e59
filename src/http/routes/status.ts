import type { RequestHandler } from 'express';
import type { Copilot } from '../../copilot/types.js';

/** GET /api/status: index version, spaces, and which mode each part runs in (what the page and ops read). */
export function statusRoute(deps: { copilot: Copilot }): RequestHandler {
  return async (_req, res) => {
    res.json(await deps.copilot.status());
  };
}
