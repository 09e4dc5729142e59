import { tellUser } from '../../ephemeral.js';
import { DESK_OFF, refusalOf } from '../../handoff/refusals.js';
import { errorSummary } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';
import { actionWhere, type ButtonArgs } from './where.js';

/**
 * `handoff_resolve` on a support card: the ticket is done; the bot answers in the asker's thread
 * again. Any teammate may resolve (someone has to close a ticket whose owner went home); the card
 * shows who did, and its buttons go away.
 */
export function handoffResolve(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const where = actionWhere(body);
    const to = { channel: where.channel, user: where.user };
    if (!ctx.desk) return tellUser(client, ctx.logger, to, DESK_OFF);
    const id = action.value ?? '';
    try {
      const r = await ctx.desk.resolve(id, where.user);
      if (!r.ok) {
        await tellUser(client, ctx.logger, to, refusalOf(r, where.user));
        return;
      }
      ctx.logger.info({ handoffId: id, agent: where.user }, 'handoff resolved in Slack');
    } catch (err) {
      ctx.logger.error({ err: errorSummary(err), handoffId: id }, 'handoff resolve failed');
      await tellUser(client, ctx.logger, to, "Sorry, I couldn't resolve it just now. Please try again.");
    }
  };
}
