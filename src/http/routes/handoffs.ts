import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ConversationService } from '../../conversation/types.js';
import { CopilotError } from '../../errors.js';
import { CONVERSATION_ID, CONVERSATION_ID_RULE } from '../conversation-id.js';
import { jsonObject, parseBody, stringField } from '../validate.js';

const HandoffBody = z.object(
  {
    conversationId: z.string(stringField).regex(CONVERSATION_ID, CONVERSATION_ID_RULE),
    answerId: z.string(stringField).trim().max(128).nullish(),
    message: z.string(stringField).trim().max(4000, 'must be at most 4000 characters').nullish(),
    space: z.string(stringField).nullish(),
  },
  jsonObject,
);

/**
 * POST /api/handoffs {conversationId, answerId?, message?} — the web chat's "Ask a human".
 * The conversation service builds the ticket (src/conversation/service.ts): with an answerId of
 * this conversation it carries that answer's question, draft and sources; otherwise `message` is
 * the question. One active ticket per conversation: asking again returns the existing one (200
 * instead of 201). New tickets are rate-limited per client (in handoff-routes.ts) and per
 * conversation (the service): 429 with Retry-After.
 */
export function handoffsRoute(deps: { conversation: ConversationService }): RequestHandler {
  return async (req, res) => {
    const body = parseBody(HandoffBody, req.body);
    const r = await deps.conversation.askHuman({
      conversation: {
        key: `web:${body.conversationId}`,
        id: body.conversationId,
        origin: { surface: 'web' },
      },
      answerId: body.answerId ?? null,
      question: body.message ?? null,
      space: { name: body.space, includePrivate: false },
    });
    if (r.kind === 'refused') {
      if (r.error.retryAfterSeconds) res.setHeader('Retry-After', String(r.error.retryAfterSeconds));
      throw new CopilotError(r.error.code, r.error.message, {
        status: r.error.status ?? 400,
        ...(r.error.hint ? { hint: r.error.hint } : {}),
      });
    }
    const existing = r.kind === 'existing';
    res.status(existing ? 200 : 201).json({ handoffId: r.ticket.id, status: r.ticket.status, existing });
  };
}
