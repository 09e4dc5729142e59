import type { Transition } from '../../handoff/types.js';
import { tellUser } from '../ephemeral.js';
import { actionWhere, type ButtonArgs } from '../listeners/actions/where.js';
import { errorSummary } from '../slack-errors.js';
import type { HandoffDesk, SlackContext } from '../types.js';
import { DESK_OFF, refusalOf } from './refusals.js';

/**
 * A support-card button that moves a ticket (claim, resolve): ack, run the transition as the
 * clicker, tell them privately when the store refuses (someone else has it, already resolved…).
 * The card itself is redrawn by the Slack notifier.
 */
export function ticketButton(
  ctx: SlackContext,
  opts: {
    verb: string;
    past: string;
    run: (desk: HandoffDesk, id: string, user: string) => Promise<Transition>;
  },
) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const where = actionWhere(body);
    const to = { channel: where.channel, user: where.user };
    if (!ctx.desk) return tellUser(client, ctx.logger, to, DESK_OFF);
    const id = action.value ?? '';
    try {
      const r = await opts.run(ctx.desk, id, where.user);
      if (!r.ok) {
        await tellUser(client, ctx.logger, to, refusalOf(r, where.user));
        return;
      }
      ctx.logger.info({ handoffId: id, agent: where.user }, `handoff ${opts.past} in Slack`);
    } catch (err) {
      ctx.logger.error({ err: errorSummary(err), handoffId: id }, `handoff ${opts.verb} failed`);
      await tellUser(client, ctx.logger, to, `Sorry, I couldn't ${opts.verb} it just now. Please try again.`);
    }
  };
}
