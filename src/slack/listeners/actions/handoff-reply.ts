import { buildHandoffReplyModal } from '../../blocks/handoff-reply-modal.js';
import { tellUser } from '../../ephemeral.js';
import { NOT_FOUND, refusalFor } from '../../handoff/refusals.js';
import { cardButton } from '../../handoff/ticket-button.js';
import { errorSummary, slackErrorCode } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';

/**
 * `handoff_reply` on a support card: opens the `handoff_reply_view` modal with the bot's draft
 * to edit. Someone else's ticket, or a closed one, gets a private note instead of a form the
 * teammate could not send. A trigger that expired (Slack allows 3 s) gets a note with the way out.
 */
export function handoffReply(ctx: SlackContext) {
  return cardButton(ctx, async ({ args, desk, id, where, to }) => {
    const { body, client } = args;
    try {
      const ticket = await desk.get(id);
      const refusal = ticket ? refusalFor(ticket, where.user) : NOT_FOUND;
      if (refusal || !ticket) {
        await tellUser(client, ctx.logger, to, refusal ?? NOT_FOUND);
        return;
      }
      await client.views.open({
        trigger_id: body.trigger_id,
        view: buildHandoffReplyModal({
          ticketId: ticket.id,
          question: ticket.question,
          ...(ticket.draftAnswer ? { draft: ticket.draftAnswer } : {}),
          // Saving shapes what Copilot tells everyone: admins and SLACK_ANSWER_EDITORS only.
          canSave: desk.canSave && ctx.canSaveAnswers(where.user),
        }),
      });
    } catch (err) {
      const expired = slackErrorCode(err) === 'expired_trigger_id';
      ctx.logger.warn({ err: errorSummary(err), handoffId: id }, 'handoff reply form did not open');
      await tellUser(
        client,
        ctx.logger,
        to,
        expired
          ? "The reply form took too long to open. Click Reply again, or type your answer in this card's thread."
          : "I couldn't open the reply form. Type your answer in this card's thread instead.",
      );
    }
  });
}
