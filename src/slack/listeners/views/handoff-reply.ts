import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ReplyOutcome } from '../../../handoff/service.js';
import { readHandoffReply } from '../../blocks/handoff-reply-modal.js';
import { HANDOFF_REPLY } from '../../blocks/ids.js';
import { tellUser } from '../../ephemeral.js';
import { DESK_OFF, NOT_FOUND, refusalFor, refusalOf } from '../../handoff/refusals.js';
import { errorSummary } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';

export const NOT_AN_EDITOR =
  'Only Copilot admins and answer editors (SLACK_ANSWER_EDITORS) can save answers. Untick "save" to send the reply.';

type SubmitArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

const fieldError = (message: string) => ({
  response_action: 'errors' as const,
  errors: { [HANDOFF_REPLY.answer.blockId]: message },
});

/**
 * The `handoff_reply_view` modal was sent. Problems the teammate can fix (empty text, someone else
 * has the ticket, it is closed) keep the modal open with the reason on the field; otherwise the
 * modal closes at once (Slack wants an answer within 3 s) and the reply goes out: relayed to the
 * asker, saved if ticked (that waits for a reindex), resolved if ticked. The outcome of saving is
 * told privately in the card's channel.
 */
export function handoffReplySubmitted(ctx: SlackContext) {
  return async ({ ack, view, body, client }: SubmitArgs): Promise<void> => {
    const id = view.private_metadata;
    const user = body.user.id;
    const input = readHandoffReply(view.state);
    if (!ctx.desk) return ack(fieldError(DESK_OFF));
    if (!input.text) return ack(fieldError('Write the answer first.'));
    // The form hides "save" from others; a crafted submission is refused all the same.
    if (input.save && !ctx.canSaveAnswers(user)) return ack(fieldError(NOT_AN_EDITOR));
    const ticket = await ctx.desk.get(id).catch((err: unknown) => {
      ctx.logger.error({ err: errorSummary(err), handoffId: id }, 'handoff lookup failed');
      return null;
    });
    const refusal = ticket ? refusalFor(ticket, user, false) : NOT_FOUND;
    if (refusal || !ticket) return ack(fieldError(refusal ?? NOT_FOUND));
    await ack();
    const to = { channel: ticket.card?.channel ?? ctx.config.slack.handoffChannel, user };
    try {
      const r = await ctx.desk.reply(id, user, input.text, {
        save: input.save,
        resolve: input.resolve,
        fromSlack: true,
      });
      ctx.logger.info(
        { handoffId: id, agent: user, ok: r.ok, saved: Boolean(r.ok && r.saved), resolve: input.resolve },
        'handoff reply from Slack',
      );
      const note = outcomeNote(r, user);
      if (note) await tellUser(client, ctx.logger, to, note);
    } catch (err) {
      ctx.logger.error({ err: errorSummary(err), handoffId: id }, 'handoff reply failed');
      await tellUser(client, ctx.logger, to, "Sorry, your reply didn't go out. Please try again.");
    }
  };
}

/** Nothing to say for a plain reply (the card shows it); saving and refusals deserve a word. */
function outcomeNote(r: ReplyOutcome, user: string): string | null {
  if (!r.ok) return `${refusalOf(r, user)} Your reply was not sent.`;
  if (r.relayError) return `Your reply did not reach the asker, even after retries: ${r.relayError}`;
  if (r.saveError) return `Sent to the asker, but not saved for next time: ${r.saveError}`;
  if (r.saved) {
    return `Sent to the asker and saved as \`${r.saved.file}\`: Copilot answers this question itself from now on.`;
  }
  return null;
}
