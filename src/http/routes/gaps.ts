import express, { type Router } from 'express';
import { z } from 'zod';
import { CopilotError } from '../../errors.js';
import type { GapDesk, GapRef } from '../../insights/gap-desk.js';
import type { Gap } from '../../insights/gaps.js';
import type { InsightsStore } from '../../insights/types.js';
import { requireAdminToken } from '../auth.js';

export interface GapsRoutesDeps {
  gaps: GapDesk;
  insights: InsightsStore;
  adminToken: string | undefined;
}

const SPACE = /^[\w.-]{1,64}$/;
const ID = /^g_[0-9a-f]{16}$/;

const epoch = z.coerce.number({ error: 'must be epoch milliseconds' }).int().nonnegative();
const RefBody = z.object({
  space: z.string({ error: 'is required' }).regex(SPACE, 'must be a space name'),
  from: epoch,
  to: epoch,
  question: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
});
const SaveBody = RefBody.extend({
  question: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(2000),
  text: z
    .string({ error: 'is required' })
    .refine((t) => t.trim().length > 0, 'must not be empty')
    .refine((t) => t.length <= 8000, 'must be at most 8000 characters'),
  agent: z.string().trim().max(64).optional(),
});

function bad(message: string): CopilotError {
  return new CopilotError('insights:bad_request', message, { status: 400 });
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  throw bad(`${field ? `${field} ` : ''}${issue?.message ?? 'is invalid'}.`);
}

/** What the API shows of a gap (member ids stay inside). */
function view(g: Gap) {
  const { memberIds: _ids, ...rest } = g;
  return rest;
}

function refOf(id: string, body: z.output<typeof RefBody>): GapRef {
  if (!ID.test(id)) throw bad('That is not a gap id.');
  if (body.from > body.to) throw bad('from must not be after to.');
  return {
    id,
    space: body.space,
    from: body.from,
    to: body.to,
    ...(body.question ? { question: body.question } : {}),
  };
}

/**
 * Knowledge gaps for the console, mounted at /api/console/insights/gaps (ADMIN_TOKEN):
 *   GET  /?space=<name or *>&days=7        → {space, from, to, days, drafting, considered, clustered, gaps}
 *   POST /:id/draft {space, from, to, question?}               → {gap, draft: {text, source, note}}
 *   POST /:id/save  {space, from, to, question, text, agent?}  → {saved: {file, updated, job}}
 * A gap is named by its id within a space and period (`from`/`to` as the list returned them).
 */
export function gapsRouter(deps: GapsRoutesDeps): Router {
  const r = express.Router();
  r.use(requireAdminToken(deps.adminToken));

  r.get('/', async (req, res) => {
    const rawSpace =
      typeof req.query.space === 'string' && req.query.space.trim() ? req.query.space.trim() : '*';
    if (rawSpace !== '*' && !SPACE.test(rawSpace)) throw bad('space must be a space name or *.');
    const days = req.query.days === undefined || req.query.days === '' ? 7 : Number(req.query.days);
    if (!Number.isInteger(days) || days < 1 || days > 90)
      throw bad('days must be a whole number from 1 to 90.');
    const { from, to } = deps.gaps.period(days);
    const result = await deps.gaps.list({ space: rawSpace, from, to });
    res.json({ ...result, days, drafting: deps.gaps.drafting, gaps: result.gaps.map(view) });
  });

  r.post('/:id/draft', async (req, res) => {
    const ref = refOf(String(req.params.id), parse(RefBody, req.body));
    const gap = await deps.gaps.find(ref);
    if (!gap) {
      throw new CopilotError(
        'insights:not_found',
        'That gap is no longer in this period (its questions changed). Reload the list.',
        { status: 404 },
      );
    }
    res.json({ gap: view(gap), draft: await deps.gaps.draft(gap) });
  });

  r.post('/:id/save', async (req, res) => {
    const body = parse(SaveBody, req.body);
    const ref = refOf(String(req.params.id), body);
    // Answers land in a space's folder: only spaces that have had questions.
    if (!(await deps.insights.spaces()).includes(ref.space))
      throw bad(`No questions were asked in space "${ref.space}".`);
    const saved = await deps.gaps.save({
      ref,
      question: body.question,
      text: body.text,
      agent: body.agent || 'console',
    });
    res.json({ saved });
  });
  return r;
}
