import express, { type Router } from 'express';
import type { Safety } from '../../safety/service.js';
import { requireAdminToken } from '../auth.js';

/** GET /admin/safety → how many rules are loaded and the recent blocks with the rule that matched. */
export function adminSafetyRouter(deps: { safety: Safety; adminToken: string | undefined }): Router {
  const router = express.Router();
  router.use(requireAdminToken(deps.adminToken));
  router.get('/safety', (_req, res) => {
    res.json({
      rules: deps.safety.rules,
      onBlockedQuestion: deps.safety.onBlockedQuestion,
      blocks: deps.safety.recent(),
    });
  });
  return router;
}
