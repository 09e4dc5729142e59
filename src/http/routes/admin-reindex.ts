import express, { type Router } from 'express';
import type { Reindexer } from '../../ingest/reindex-types.js';
import { requireAdminToken } from '../auth.js';

/** POST /admin/reindex → 202 {jobId}; GET /admin/reindex/:id → the job with progress. */
export function adminReindexRouter(deps: { reindexer: Reindexer; adminToken: string | undefined }): Router {
  const router = express.Router();
  router.use(requireAdminToken(deps.adminToken));
  router.post('/reindex', (req, res) => {
    const job = deps.reindexer.request('http', req.get('x-requested-by')?.slice(0, 64) ?? 'admin-api');
    res
      .status(202)
      .location(`/admin/reindex/${job.id}`)
      .json({ jobId: job.id, status: job.status, coalesced: job.coalesced > 0 });
  });
  router.get('/reindex/:id', (req, res) => {
    const job = deps.reindexer.get(req.params.id ?? '');
    if (!job) {
      res.status(404).json({
        error: { code: 'admin:unknown_job', message: 'No reindex job with that id on this server.' },
      });
      return;
    }
    res.json(job);
  });
  return router;
}
