import type {
  AllMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewClosedAction,
  ViewSubmitAction,
} from '@slack/bolt';
import { parseFeedbackModalMeta } from '../../blocks/feedback-modal.js';
import { FEEDBACK_REASON } from '../../blocks/ids.js';
import { recordFeedback } from '../../feedback.js';
import type { SlackContext } from '../../types.js';

type SubmitArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;
type ClosedArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewClosedAction>;

/** The 👎 modal was sent: store the 👎 with the reason typed (if any). */
export function feedbackReasonSubmitted(ctx: SlackContext) {
  return async ({ ack, view, body, client }: SubmitArgs): Promise<void> => {
    await ack();
    const meta = parseFeedbackModalMeta(view.private_metadata);
    if (!meta) {
      ctx.logger.warn('feedback modal without answer id');
      return;
    }
    const reason = view.state.values[FEEDBACK_REASON.blockId]?.[FEEDBACK_REASON.actionId]?.value?.trim();
    const to = { channel: meta.channel, user: body.user.id, threadTs: meta.threadTs };
    await recordFeedback(
      ctx,
      client,
      to,
      meta.answerId,
      { rating: 'down', ...(reason ? { reason } : {}) },
      reason ? 'Thanks, your note was passed on to the team. 👎 saved.' : 'Thanks, your 👎 was saved.',
    );
  };
}

/** The 👎 modal was cancelled: the click still counts as a 👎, stored quietly without a reason. */
export function feedbackReasonClosed(ctx: SlackContext) {
  return async ({ ack, view, body, client }: ClosedArgs): Promise<void> => {
    await ack();
    const meta = parseFeedbackModalMeta(view.private_metadata);
    if (!meta) return;
    await recordFeedback(
      ctx,
      client,
      { channel: meta.channel, user: body.user.id },
      meta.answerId,
      { rating: 'down' },
      null,
    );
  };
}
