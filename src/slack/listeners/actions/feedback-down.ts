import { buildFeedbackReasonModal } from '../../blocks/feedback-modal.js';
import { recordFeedback } from '../../feedback.js';
import { errorSummary, slackCall, slackErrorCode } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';
import { actionWhere, type ButtonArgs } from './where.js';

/**
 * 👎 opens a modal asking what was wrong; its submission (or closing it) stores the feedback. If
 * the modal cannot open (the trigger expired after 3 s, or Slack refused), the 👎 is stored without
 * a reason rather than lost, and the user is told so.
 */
export function feedbackDown(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const where = actionWhere(body);
    const answerId = action.value ?? '';
    try {
      const view = buildFeedbackReasonModal({
        answerId,
        ...(where.channel ? { channel: where.channel } : {}),
        ...(where.threadTs ? { threadTs: where.threadTs } : {}),
      });
      await slackCall('views.open', () => client.views.open({ trigger_id: body.trigger_id, view }));
    } catch (err) {
      const expired = slackErrorCode(err) === 'expired_trigger_id';
      ctx.logger.warn(
        { err: errorSummary(err), answerId },
        'feedback modal did not open; storing 👎 without reason',
      );
      await recordFeedback(
        ctx,
        client,
        where,
        answerId,
        { rating: 'down' },
        expired
          ? 'The feedback form took too long to open, so I saved your 👎 without a reason. Thanks!'
          : "I couldn't open the feedback form, so I saved your 👎 without a reason. Thanks!",
      );
    }
  };
}
