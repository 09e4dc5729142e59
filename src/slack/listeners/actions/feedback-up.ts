import { recordFeedback } from '../../feedback.js';
import type { SlackContext } from '../../types.js';
import { actionWhere, type ButtonArgs } from './where.js';

export function feedbackUp(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const where = actionWhere(body);
    await recordFeedback(
      ctx,
      client,
      where,
      action.value ?? '',
      { rating: 'up' },
      'Thanks for the feedback! 👍',
    );
  };
}
