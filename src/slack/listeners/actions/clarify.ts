import { answerQuestion } from '../../answer-question.js';
import { isDmChannel } from '../../conversation.js';
import { DEDUP_TTL_SECONDS } from '../../dedup.js';
import { errorSummary } from '../../slack-errors.js';
import { escapeMrkdwn, oneLine, truncate } from '../../text.js';
import type { SlackContext } from '../../types.js';
import { actionWhere, type ButtonArgs } from './where.js';

/**
 * A clarify option was chosen: its question is asked in the thread as if the user had typed it.
 * The choice is echoed first (so the thread reads naturally and 👀 has a message to sit on); one
 * answer per user per clarify message, however often the buttons are clicked.
 */
export function clarify(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const where = actionWhere(body);
    const question = action.value?.trim();
    if (!where.channel || !where.threadTs || !question) return;
    const claim = `clarify:${where.channel}:${where.messageTs ?? where.threadTs}:${where.user}`;
    if (!(await ctx.dedup.firstTime(claim, DEDUP_TTL_SECONDS))) return;
    let echoTs: string | undefined;
    try {
      const echo = await client.chat.postMessage({
        channel: where.channel,
        thread_ts: where.threadTs,
        text: `<@${where.user}> asked: *${escapeMrkdwn(truncate(oneLine(question), 500))}*`,
      });
      echoTs = echo.ts;
    } catch (err) {
      ctx.logger.warn({ err: errorSummary(err) }, 'clarify echo failed; answering anyway');
    }
    await answerQuestion(ctx, client, {
      team: where.team,
      userTeam: where.userTeam,
      channel: where.channel,
      threadTs: where.threadTs,
      user: where.user,
      text: question,
      isDm: isDmChannel(where.channel),
      ...(echoTs ? { messageTs: echoTs } : {}),
    });
  };
}
