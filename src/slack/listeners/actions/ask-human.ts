import type { webApi } from '@slack/bolt';
import { decodeAskHumanValue } from '../../blocks/answer.js';
import { conversationIdFor, conversationKeyFor } from '../../conversation.js';
import { tellUser } from '../../ephemeral.js';
import { errorSummary, slackCall } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';
import { type ActionWhere, actionWhere, type ButtonArgs } from './where.js';

/**
 * "Ask a human": the conversation service opens a handoff ticket for this thread (the handoff
 * module posts the support card and relays the reply); the thread is told at once that a
 * teammate is coming. One ticket per thread: a second click, or a thread already handed off,
 * only gets a private note.
 */
export function askHuman(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const where = actionWhere(body);
    if (!where.channel || !where.threadTs) return;
    const value = decodeAskHumanValue(action.value);
    const to = { channel: where.channel, user: where.user, threadTs: where.threadTs };
    try {
      const key = conversationKeyFor(where.team, where.channel, where.threadTs);
      // Double clicks arrive as separate actions; only the first may open a ticket.
      const first = await ctx.dedup.firstTime(`ask-human:${key}`, 30);
      const r = first
        ? await ctx.conversation.askHuman({
            conversation: {
              key,
              id: conversationIdFor(where.channel, where.threadTs),
              origin: {
                surface: 'slack',
                team: where.team,
                channel: where.channel,
                threadTs: where.threadTs,
              },
              user: where.user,
            },
            answerId: value.answerId ?? null,
            question: value.question ?? '(question not available)',
            space: { channel: { team: where.team, channel: where.channel } },
            link: () => permalink(client, where),
          })
        : null;
      if (!r || r.kind === 'existing') {
        await tellUser(client, ctx.logger, to, 'A teammate has already been asked to help in this thread.');
        return;
      }
      if (r.kind === 'refused') {
        await tellUser(
          client,
          ctx.logger,
          to,
          r.error.hint ? `${r.error.message} ${r.error.hint}` : r.error.message,
        );
        return;
      }
      const ticket = r.ticket;
      ctx.logger.info({ handoffId: ticket.id, channel: where.channel }, 'handoff requested from Slack');
      const note = 'A teammate has been asked to help. They will reply here in this thread.';
      const channel = where.channel;
      const threadTs = where.threadTs;
      await slackCall('chat.postMessage', () =>
        client.chat.postMessage({ channel, thread_ts: threadTs, text: `<@${where.user}> ${note}` }),
      ).catch(async (err: unknown) => {
        // The ticket stands: say so privately. "Try again" would be wrong (it would open nothing).
        ctx.logger.warn(
          { err: errorSummary(err), handoffId: ticket.id },
          'handoff note not posted in the thread',
        );
        await tellUser(client, ctx.logger, to, note);
      });
    } catch (err) {
      ctx.logger.error({ err: errorSummary(err) }, 'ask-human failed');
      await tellUser(
        client,
        ctx.logger,
        to,
        "Sorry, I couldn't reach a teammate just now. Please try again in a minute.",
      );
    }
  };
}

/** The thread's link for the support card; the card works without it. */
async function permalink(client: webApi.WebClient, where: ActionWhere): Promise<string | undefined> {
  if (!where.channel || !where.threadTs) return undefined;
  try {
    const res = await client.chat.getPermalink({ channel: where.channel, message_ts: where.threadTs });
    return res.permalink || undefined;
  } catch {
    return undefined;
  }
}
