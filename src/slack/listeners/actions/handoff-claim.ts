import { ticketButton } from '../../handoff/ticket-button.js';
import type { SlackContext } from '../../types.js';

/**
 * `handoff_claim` on a support card: the clicker takes the ticket. The store's compare-and-set
 * lets exactly one of two simultaneous clicks win; the other is told privately who has it. The
 * card itself is redrawn by the Slack notifier (claimed by …).
 */
export function handoffClaim(ctx: SlackContext) {
  return ticketButton(ctx, { verb: 'claim', past: 'claimed', run: (desk, id, user) => desk.claim(id, user) });
}
