import express, { type Router } from 'express';
import type { SafetyCheck } from '../../safety/index.js';
import { requireAdminToken } from '../auth.js';

/** GET /admin/safety?limit=N → the latest content safety blocks with the rule that matched. */
export function adminSafetyRouter(deps: { safety: SafetyCheck; adminToken: string | undefined }): Router {
  const router = express.Router();
  router.use(requireAdminToken(deps.adminToken));
  router.get('/safety', (req, res) => {
    const limit = Math.min(200, Math.max(1, Number.parseInt(String(req.query.limit ?? '50'), 10) || 50));
    res.json({
      rules: deps.safety.ruleCount,
      onQuestion: deps.safety.onQuestionBlocked,
      blocks: deps.safety.recent(limit),
    });
  });
  return router;
}
