import type { App } from '@slack/bolt';
import { VIEW } from '../../blocks/ids.js';
import type { SlackContext } from '../../types.js';
import { feedbackReasonClosed, feedbackReasonSubmitted } from './feedback-reason.js';
import { gapAnswerSubmitted } from './gap-answer.js';
import { handoffReplySubmitted } from './handoff-reply.js';

export function registerViewListeners(app: App, ctx: SlackContext): void {
  app.view(VIEW.feedbackReason, feedbackReasonSubmitted(ctx));
  app.view({ callback_id: VIEW.feedbackReason, type: 'view_closed' }, feedbackReasonClosed(ctx));
  app.view(VIEW.handoffReply, handoffReplySubmitted(ctx));
  app.view(VIEW.gapAnswer, gapAnswerSubmitted(ctx));
}
