import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Copilot } from '../../domain/copilot.js';
import { CopilotError } from '../../errors.js';
import { jsonObject, parseBody, stringField } from '../validate.js';

const FeedbackBody = z.object(
  {
    answerId: z
      .string(stringField)
      .trim()
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters'),
    rating: z.enum(['up', 'down'], { error: 'must be "up" or "down"' }),
    reason: z.string(stringField).trim().max(1000, 'must be at most 1000 characters').nullish(),
  },
  jsonObject,
);

/** POST /api/feedback {answerId, rating, reason?} → {ok: true}; 404 when the answer is unknown. */
export function feedbackRoute(deps: { copilot: Copilot }): RequestHandler {
  return async (req, res) => {
    const body = parseBody(FeedbackBody, req.body);
    const updated = await deps.copilot.feedback(body.answerId, {
      rating: body.rating,
      ...(body.reason ? { reason: body.reason } : {}),
      at: Date.now(),
    });
    if (!updated) {
      throw new CopilotError('feedback:unknown_answer', 'No answer with that answerId.', {
        status: 404,
        hint: 'Use the answerId from the meta or done event of the answer.',
      });
    }
    res.json({ ok: true });
  };
}
