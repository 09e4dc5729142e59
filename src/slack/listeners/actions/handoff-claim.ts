import { tellUser } from '../../ephemeral.js';
import { DESK_OFF, refusalOf } from '../../handoff/refusals.js';
import { errorSummary } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';
import { actionWhere, type ButtonArgs } from './where.js';

/**
 * `handoff_claim` on a support card: the clicker takes the ticket. The store's compare-and-set
 * lets exactly one of two simultaneous clicks win; the other is told privately who has it. The
 * card itself is redrawn by the Slack notifier (claimed by …).
 */
export function handoffClaim(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const where = actionWhere(body);
    const to = { channel: where.channel, user: where.user };
    if (!ctx.desk) return tellUser(client, ctx.logger, to, DESK_OFF);
    const id = action.value ?? '';
    try {
      const r = await ctx.desk.claim(id, where.user);
      if (!r.ok) {
        await tellUser(client, ctx.logger, to, refusalOf(r, where.user));
        return;
      }
      ctx.logger.info({ handoffId: id, agent: where.user }, 'handoff claimed in Slack');
    } catch (err) {
      ctx.logger.error({ err: errorSummary(err), handoffId: id }, 'handoff claim failed');
      await tellUser(client, ctx.logger, to, "Sorry, I couldn't claim it just now. Please try again.");
    }
  };
}
