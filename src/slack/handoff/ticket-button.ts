import type { Transition } from '../../domain/handoff.js';
import { tellUser } from '../ephemeral.js';
import { type ActionWhere, actionWhere, type ButtonArgs } from '../listeners/actions/where.js';
import { errorSummary } from '../slack-errors.js';
import type { HandoffDesk, SlackContext } from '../types.js';
import { DESK_OFF, refusalOf } from './refusals.js';

/** What a support-card button has to work with once the common opening is done. */
export interface CardClick {
  args: ButtonArgs;
  desk: HandoffDesk;
  /** The ticket id the button carries. */
  id: string;
  where: ActionWhere;
  /** Where a private note to the clicker goes. */
  to: { channel: string | undefined; user: string };
}

/**
 * The opening every support-card button shares: ack, who clicked where, the ticket id, and a
 * private note instead of `handle` when the handoff desk is off.
 */
export function cardButton(ctx: SlackContext, handle: (click: CardClick) => Promise<void>) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const where = actionWhere(args.body);
    const to = { channel: where.channel, user: where.user };
    if (!ctx.desk) return tellUser(args.client, ctx.logger, to, DESK_OFF);
    await handle({ args, desk: ctx.desk, id: args.action.value ?? '', where, to });
  };
}

/**
 * A support-card button that moves a ticket (claim, resolve): run the transition as the
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
  return cardButton(ctx, async ({ args, desk, id, where, to }) => {
    try {
      const r = await opts.run(desk, id, where.user);
      if (!r.ok) {
        await tellUser(args.client, ctx.logger, to, refusalOf(r, where.user));
        return;
      }
      ctx.logger.info({ handoffId: id, agent: where.user }, `handoff ${opts.past} in Slack`);
    } catch (err) {
      ctx.logger.error({ err: errorSummary(err), handoffId: id }, `handoff ${opts.verb} failed`);
      await tellUser(
        args.client,
        ctx.logger,
        to,
        `Sorry, I couldn't ${opts.verb} it just now. Please try again.`,
      );
    }
  });
}
