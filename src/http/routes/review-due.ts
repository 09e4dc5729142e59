import express, { type Router } from 'express';
import type { LoadedIndex } from '../../retrieval/index-reader.js';
import { reviewDue } from '../../retrieval/review.js';
import { requireAdminToken } from '../auth.js';

/**
 * GET /api/console/review-due (Authorization: Bearer ADMIN_TOKEN) → {documents: ReviewItem[]}:
 * documents of the served index whose front matter `review_after` date has passed.
 */
export function reviewDueRouter(deps: {
  index: { current(): LoadedIndex };
  adminToken: string | undefined;
  now?: () => number;
}): Router {
  const router = express.Router();
  router.use(requireAdminToken(deps.adminToken));
  router.get('/', (_req, res) => {
    res.json({ documents: reviewDue(deps.index.current(), deps.now?.() ?? Date.now()) });
  });
  return router;
}
