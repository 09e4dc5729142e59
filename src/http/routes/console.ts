import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { HandoffStatus, Transition } from '../../domain/handoff.js';
import { CopilotError } from '../../errors.js';
import type { HandoffService } from '../../handoff/service.js';
import { requireAdminToken } from '../auth.js';
import { jsonObject, parseBody, stringField } from '../validate.js';

const STATUSES = ['open', 'claimed', 'resolved', 'cancelled'] as const;

const agent = z
  .string(stringField)
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .default('console');
const AgentBody = z.object({ agent }, jsonObject);
const ReplyBody = z.object(
  {
    agent,
    text: z
      .string(stringField)
      .trim()
      .min(1, 'must not be empty')
      .max(8000, 'must be at most 8000 characters'),
    save: z.boolean({ error: 'must be true or false' }).default(false),
    resolve: z.boolean({ error: 'must be true or false' }).default(false),
  },
  jsonObject,
);

/** Maps a transition to HTTP: 404 unknown ticket, 409 naming who has it or why it is closed. */
function send(res: Response, r: Transition, extra: Record<string, unknown> = {}): void {
  if (r.ok) {
    res.json({ ticket: r.ticket, ...extra });
    return;
  }
  const status = r.code === 'not_found' ? 404 : 409;
  res.status(status).json({
    error: {
      code: r.code === 'not_found' ? 'handoff:not_found' : 'handoff:conflict',
      message: r.message,
      ...(r.code === 'conflict' ? { status: r.ticket.status, assignee: r.ticket.assignee } : {}),
    },
  });
}

function parseStatuses(q: unknown): HandoffStatus[] | undefined {
  if (typeof q !== 'string' || q === '' || q === 'all') return undefined;
  const list = q.split(',').map((s) => s.trim());
  const bad = list.find((s) => !(STATUSES as readonly string[]).includes(s));
  if (bad) {
    throw new CopilotError(
      'http:bad_request',
      `status must be a comma list of ${STATUSES.join(', ')} (got "${bad}").`,
      {
        status: 400,
      },
    );
  }
  return list as HandoffStatus[];
}

/**
 * The agent console API (Authorization: Bearer ADMIN_TOKEN), mounted at /api/console:
 *   GET  /handoffs?status=open,claimed   → {tickets, canSave}
 *   GET  /handoffs/:id                   → {ticket}
 *   POST /handoffs/:id/claim   {agent}   → {ticket} | 409 {error: {message: "alice has already claimed this."}}
 *   POST /handoffs/:id/reply   {agent, text, save?, resolve?} → {ticket, saved?, saveError?, relayError?}
 *   POST /handoffs/:id/resolve {agent}   → {ticket}
 * The token is shared by the team; `agent` names who acts (the console asks for a name).
 */
export function consoleRouter(deps: { service: HandoffService; adminToken: string | undefined }): Router {
  const r = express.Router();
  r.use(requireAdminToken(deps.adminToken));
  r.get('/handoffs', async (req, res) => {
    const status = parseStatuses(req.query.status);
    res.json({ tickets: await deps.service.list(status ? { status } : {}), canSave: deps.service.canSave });
  });
  r.get('/handoffs/:id', async (req, res) => {
    const ticket = await deps.service.get(req.params.id);
    if (!ticket)
      throw new CopilotError('handoff:not_found', `No handoff ticket ${req.params.id}.`, { status: 404 });
    res.json({ ticket });
  });
  r.post('/handoffs/:id/claim', async (req, res) => {
    const body = parseBody(AgentBody, req.body ?? {});
    send(res, await deps.service.claim(req.params.id, body.agent));
  });
  r.post('/handoffs/:id/resolve', async (req, res) => {
    const body = parseBody(AgentBody, req.body ?? {});
    send(res, await deps.service.resolve(req.params.id, body.agent));
  });
  r.post('/handoffs/:id/reply', async (req, res) => {
    const body = parseBody(ReplyBody, req.body);
    const { saved, saveError, relayError, ...outcome } = await deps.service.reply(
      req.params.id,
      body.agent,
      body.text,
      { save: body.save, resolve: body.resolve },
    );
    send(res, outcome as Transition, {
      ...(saved ? { saved } : {}),
      ...(saveError ? { saveError } : {}),
      ...(relayError ? { relayError } : {}),
    });
  });
  return r;
}
