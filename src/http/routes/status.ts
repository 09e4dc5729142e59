import type { RequestHandler } from 'express';
import type { Copilot } from '../../domain/copilot.js';

/** GET /api/status: index version, spaces, and which mode each part runs in (what the page and ops read). */
export function statusRoute(deps: {
  copilot: Copilot;
  extras?: () => Record<string, unknown>;
}): RequestHandler {
  return async (_req, res) => {
    const status = await deps.copilot.status();
    // Private spaces are not advertised on the public API.
    res.json({ ...status, spaces: status.spaces.filter((s) => s.public), ...deps.extras?.() });
  };
}
