import { ticketButton } from '../../handoff/ticket-button.js';
import type { SlackContext } from '../../types.js';

/**
 * `handoff_resolve` on a support card: the ticket is done; the bot answers in the asker's thread
 * again. Any teammate may resolve (someone has to close a ticket whose owner went home); the card
 * shows who did, and its buttons go away.
 */
export function handoffResolve(ctx: SlackContext) {
  return ticketButton(ctx, {
    verb: 'resolve',
    past: 'resolved',
    run: (desk, id, user) => desk.resolve(id, user),
  });
}
