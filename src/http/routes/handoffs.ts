import type { RequestHandler } from 'express';
import { z } from 'zod';
import { rateLimitedMessage } from '../../copilot/rate-limit.js';
import type { AnswerRecord, AnswerStore } from '../../domain/answers.js';
import type { Copilot } from '../../domain/copilot.js';
import type { RateLimiter } from '../../domain/rate-limit.js';
import { CopilotError } from '../../errors.js';
import type { HandoffService } from '../../handoff/service.js';
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
 * With an answerId of this conversation the ticket carries that answer's question, draft and
 * sources; otherwise `message` is the question. One active ticket per conversation: asking
 * again returns the existing one (200 instead of 201). New tickets are rate-limited per client
 * (in handoff-routes.ts) and per conversation (here): 429 with Retry-After.
 */
export function handoffsRoute(deps: {
  service: HandoffService;
  answers: AnswerStore;
  copilot: Copilot;
  createLimiter?: RateLimiter;
}): RequestHandler {
  return async (req, res) => {
    const body = parseBody(HandoffBody, req.body);
    const key = `web:${body.conversationId}`;
    const found = body.answerId ? await deps.answers.get(body.answerId) : null;
    // An answer id from another conversation is ignored: ids must not open someone else's thread.
    const record: AnswerRecord | null = found?.conversationKey === key ? found : null;
    const question = record?.standaloneQuestion || record?.question || body.message;
    if (!question) {
      throw new CopilotError(
        'http:bad_request',
        'message is required (or the answerId of an answer in this conversation).',
        {
          status: 400,
        },
      );
    }
    // The answer's own space is trusted; a space named in the body must be one the web may use.
    const space = record?.space ?? body.space ?? 'default';
    if (!record && body.space) {
      const open = (await deps.copilot.status()).spaces.filter((s) => s.public).map((s) => s.name);
      if (!open.includes(space)) {
        throw new CopilotError('space:unknown', `space "${space}" is not a known space.`, { status: 400 });
      }
    }
    const before = await deps.service.activeFor(key);
    if (!before && deps.createLimiter) {
      // Asking again for an open ticket is free; opening ticket after ticket in one chat is not.
      const decision = await deps.createLimiter.take(`handoff:conv:${key}`);
      if (!decision.allowed) {
        res.setHeader('Retry-After', String(decision.retryAfterSeconds));
        throw new CopilotError('rate:limited', rateLimitedMessage(decision.retryAfterSeconds), {
          status: 429,
        });
      }
    }
    const ticket =
      before ??
      (await deps.service.create({
        space,
        conversationKey: key,
        conversationId: body.conversationId,
        origin: { surface: 'web' },
        question,
        ...(record?.answer && record.decision === 'answer' ? { draftAnswer: record.answer } : {}),
        sources: record?.sources ?? [],
        ...(record ? { answerId: record.id } : {}),
        reason: 'asked',
      }));
    res
      .status(before ? 200 : 201)
      .json({ handoffId: ticket.id, status: ticket.status, existing: Boolean(before) });
  };
}
