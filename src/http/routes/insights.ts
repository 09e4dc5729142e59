import express, { type Router } from 'express';
import type { AnswerStore } from '../../domain/answers.js';
import type { AnswerSaver } from '../../handoff/save-answer.js';
import type { Reindexer } from '../../ingest/reindex-types.js';
import { DAY_MS } from '../../insights/buckets.js';
import { dashboard, PERIODS, type Period } from '../../insights/dashboard.js';
import { type ExportFormat, type ExportKind, formatExportOf, periodRecords } from '../../insights/export.js';
import {
  deleteSavedAnswer,
  editSavedAnswer,
  listSavedAnswers,
  reviewQueue,
  saveReview,
} from '../../insights/review.js';
import type { InsightsStore } from '../../insights/types.js';
import { requireAdminToken } from '../auth.js';

export interface InsightsRoutesDeps {
  insights: InsightsStore;
  answers: AnswerStore;
  saver: AnswerSaver;
  reindexer: Reindexer;
  knowledgeDir: string;
  adminToken: string | undefined;
}

function bad(res: express.Response, message: string) {
  res.status(400).json({ error: { code: 'insights:bad_request', message } });
}

function spaceParam(q: unknown): string | null {
  const s = typeof q === 'string' && q.trim() ? q.trim() : '*';
  return /^[\w*.-]{1,64}$/.test(s) ? s : null;
}

function timeParam(q: unknown, fallback: number): number | null {
  if (q === undefined || q === '') return fallback;
  if (typeof q !== 'string') return null;
  const t = /^\d+$/.test(q) ? Number(q) : Date.parse(q);
  return Number.isFinite(t) ? t : null;
}

/** Admin insights API; mounted under /api/console/insights behind ADMIN_TOKEN. */
export function insightsRouter(deps: InsightsRoutesDeps): Router {
  const r = express.Router();
  r.use(requireAdminToken(deps.adminToken));

  r.get('/spaces', async (_req, res) => {
    res.json({ spaces: await deps.insights.spaces() });
  });

  r.get('/dashboard', async (req, res) => {
    const space = spaceParam(req.query.space);
    const period = Number(req.query.period ?? 7) as Period;
    if (!space) return bad(res, 'space must be a space name or *');
    if (!PERIODS.includes(period)) return bad(res, 'period must be 7, 30 or 90');
    res.json(await dashboard(deps.insights, { space, period }));
  });

  r.get('/export', async (req, res) => {
    const space = spaceParam(req.query.space);
    const now = Date.now();
    const from = timeParam(req.query.from, now - 7 * DAY_MS);
    const to = timeParam(req.query.to, now);
    const format = (req.query.format ?? 'csv') as ExportFormat;
    const raw = req.query.raw === 'true' || req.query.raw === '1';
    const kind = (req.query.kind ?? 'answers') as ExportKind;
    if (!space) return bad(res, 'space must be a space name or *');
    if (kind !== 'answers' && kind !== 'conversations')
      return bad(res, 'kind must be answers or conversations');
    if (from === null || to === null) return bad(res, 'from and to must be dates or epoch ms');
    if (format !== 'csv' && format !== 'jsonl') return bad(res, 'format must be csv or jsonl');
    const records = await periodRecords(deps, { space, from, to });
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${kind}-${space === '*' ? 'all' : space}.${format}"`,
    );
    res.send(formatExportOf(kind, records, format, raw));
  });
  r.get('/review', async (req, res) => {
    const space = spaceParam(req.query.space);
    const now = Date.now();
    const from = timeParam(req.query.from, now - 30 * DAY_MS);
    const to = timeParam(req.query.to, now);
    if (!space) return bad(res, 'space must be a space name or *');
    if (from === null || to === null) return bad(res, 'from and to must be dates or epoch ms');
    res.json({ items: await reviewQueue(deps, { space, from, to }) });
  });

  r.post('/review/:answerId', async (req, res) => {
    const body = textBody(req.body);
    if (typeof body === 'string') return bad(res, body);
    const saved = await saveReview(deps, { answerId: String(req.params.answerId), ...body });
    res.json({ saved });
  });

  r.get('/saved-answers', async (_req, res) => {
    res.json({ answers: await listSavedAnswers(deps.knowledgeDir) });
  });

  r.put('/saved-answers', async (req, res) => {
    const body = textBody(req.body);
    const file = (req.body as { file?: unknown } | undefined)?.file;
    if (typeof body === 'string') return bad(res, body);
    if (typeof file !== 'string') return bad(res, 'file is required');
    res.json({ saved: await editSavedAnswer(deps, { file, text: body.text, agent: body.agent }) });
  });

  r.delete('/saved-answers', async (req, res) => {
    const file = typeof req.query.file === 'string' ? req.query.file : '';
    if (!file) return bad(res, 'file is required');
    await deleteSavedAnswer(deps, { file, agent: 'console' });
    res.json({ deleted: file });
  });
  return r;
}

/** { text, agent?, question? } or an error message. */
function textBody(body: unknown): { text: string; agent: string; question?: string } | string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.text !== 'string' || !b.text.trim()) return 'text must be a non-empty string';
  if (b.text.length > 8000) return 'text must be at most 8000 characters';
  const agent = typeof b.agent === 'string' && b.agent.trim() ? b.agent.trim().slice(0, 64) : 'console';
  return {
    text: b.text,
    agent,
    ...(typeof b.question === 'string' && b.question.trim() ? { question: b.question.slice(0, 2000) } : {}),
  };
}
