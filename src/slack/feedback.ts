import type { webApi } from '@slack/bolt';
import { tellUser } from './ephemeral.js';
import { errorSummary } from './slack-errors.js';
import type { SlackContext } from './types.js';

/**
 * Stores 👍/👎 through the copilot (which records it on the answer and counts it) and tells the
 * user privately how it went. `thanks: null` stores silently (e.g. a closed feedback modal).
 */
export async function recordFeedback(
  ctx: SlackContext,
  client: webApi.WebClient,
  to: { channel: string | undefined; user: string; threadTs?: string | undefined },
  answerId: string,
  feedback: { rating: 'up' | 'down'; reason?: string },
  thanks: string | null,
): Promise<boolean> {
  try {
    const record = answerId
      ? await ctx.copilot.feedback(answerId, {
          rating: feedback.rating,
          ...(feedback.reason ? { reason: feedback.reason } : {}),
          user: to.user,
          at: Date.now(),
        })
      : null;
    if (!record) {
      ctx.logger.warn({ answerId }, 'feedback for an unknown answer');
      await tellUser(
        client,
        ctx.logger,
        to,
        "I couldn't find that answer any more, so your feedback wasn't saved.",
      );
      return false;
    }
    ctx.logger.info(
      { answerId, rating: feedback.rating, withReason: Boolean(feedback.reason) },
      'slack feedback',
    );
    if (thanks) await tellUser(client, ctx.logger, to, thanks);
    return true;
  } catch (err) {
    ctx.logger.error({ err: errorSummary(err), answerId }, 'saving feedback failed');
    await tellUser(
      client,
      ctx.logger,
      to,
      "Sorry, I couldn't save your feedback just now. Please try again.",
    );
    return false;
  }
}
