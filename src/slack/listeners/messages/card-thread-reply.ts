import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { DEDUP_TTL_SECONDS } from '../../dedup.js';
import { tellUser } from '../../ephemeral.js';
import { cardTicketOf, TEAM_NOTE } from '../../handoff/card-thread.js';
import { refusalOf } from '../../handoff/refusals.js';
import { fromPerson } from '../../incoming.js';
import { errorSummary } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';

type Args = AllMiddlewareArgs & SlackEventMiddlewareArgs<'message'>;

/**
 * A teammate's reply typed in a support card's thread (`message` in SLACK_HANDOFF_CHANNEL whose
 * `thread_ts` is a card) is the ticket's reply: relayed to the asker, attributed. It
 * claims an open ticket for the writer. Lines starting with `//` are notes among teammates.
 */
export function cardThreadReply(ctx: SlackContext) {
  return async ({ message, client, context }: Args): Promise<void> => {
    const m = fromPerson(message, context.botUserId);
    if (!m || !ctx.desk) return;
    const threadTs = 'thread_ts' in m && typeof m.thread_ts === 'string' ? m.thread_ts : undefined;
    const ticket = await cardTicketOf(ctx, m.channel, m.ts, threadTs);
    if (!ticket || !threadTs) return;
    const raw = 'text' in m && typeof m.text === 'string' ? m.text : '';
    // Only the bot's own mention goes; the teammate's line breaks and formatting stay.
    const text = (context.botUserId ? raw.replaceAll(`<@${context.botUserId}>`, '') : raw).trim();
    if (!text || TEAM_NOTE.test(text)) return;
    // A redelivered event (new event id, same message) must not reach the asker twice.
    if (!(await ctx.dedup.firstTime(`card-reply:${m.channel}:${m.ts}`, DEDUP_TTL_SECONDS))) return;
    const to = { channel: m.channel, user: m.user, threadTs };
    try {
      const r = await ctx.desk.reply(ticket.id, m.user, text, { ts: m.ts, fromSlack: true });
      if (!r.ok) {
        await tellUser(
          client,
          ctx.logger,
          to,
          `${refusalOf(r, m.user)} Your message was not sent to the asker.`,
        );
        return;
      }
      ctx.logger.info({ handoffId: ticket.id, agent: m.user }, 'card thread reply relayed');
    } catch (err) {
      ctx.logger.error({ err: errorSummary(err), handoffId: ticket.id }, 'card thread reply failed');
      await tellUser(client, ctx.logger, to, "Sorry, your message didn't reach the asker. Please try again.");
    }
  };
}
