import type { webApi } from '@slack/bolt';
import type { AnswerRecord } from '../../../domain/answers.js';
import { decodeAskHumanValue } from '../../blocks/answer.js';
import { conversationIdFor, conversationKeyFor } from '../../conversation.js';
import { tellUser } from '../../ephemeral.js';
import { errorSummary, slackCall } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';
import { type ActionWhere, actionWhere, type ButtonArgs } from './where.js';

/**
 * "Ask a human": opens a handoff ticket for this thread (the handoff module posts the support card
 * and relays the reply) and tells the thread at once that a teammate is coming. One ticket per
 * thread: a second click, or a thread already handed off, only gets a private note.
 */
export function askHuman(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const where = actionWhere(body);
    if (!where.channel || !where.threadTs) return;
    const value = decodeAskHumanValue(action.value);
    const to = { channel: where.channel, user: where.user, threadTs: where.threadTs };
    try {
      const record = value.answerId ? await ctx.answers.get(value.answerId) : null;
      const key = record?.conversationKey ?? conversationKeyFor(where.team, where.channel, where.threadTs);
      const existing = await ctx.handoffs.activeFor(key);
      // Double clicks arrive as separate actions; only the first may open a ticket.
      const first = await ctx.dedup.firstTime(`ask-human:${key}`, 30);
      if (existing || !first) {
        await tellUser(client, ctx.logger, to, 'A teammate has already been asked to help in this thread.');
        return;
      }
      const ticket = await ctx.handoffs.create({
        space: record?.space ?? ctx.spaceFor(where.team, where.channel) ?? 'default',
        conversationKey: key,
        conversationId: conversationIdFor(where.channel, where.threadTs),
        origin: {
          surface: 'slack',
          team: where.team,
          channel: where.channel,
          threadTs: where.threadTs,
          ...(await permalink(client, where)),
        },
        asker: where.user,
        question: record?.question ?? value.question ?? '(question not available)',
        ...draftOf(record),
        reason: 'asked',
      });
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

function draftOf(record: AnswerRecord | null) {
  if (!record) return {};
  return {
    answerId: record.id,
    sources: record.sources,
    ...(record.answer ? { draftAnswer: record.answer } : {}),
  };
}

/** The thread's link for the support card; the card works without it. */
async function permalink(client: webApi.WebClient, where: ActionWhere): Promise<{ link?: string }> {
  if (!where.channel || !where.threadTs) return {};
  try {
    const res = await client.chat.getPermalink({ channel: where.channel, message_ts: where.threadTs });
    return res.permalink ? { link: res.permalink } : {};
  } catch {
    return {};
  }
}
