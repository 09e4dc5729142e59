import type { HandoffService } from '../../handoff/service.js';
import type { SlackAppDeps } from '../types.js';

/**
 * `onMessageDuringHandoff` for createSlackApp: the asker's new message in a thread with an active
 * ticket is added to the ticket and passed to the teammates (the Slack notifier posts it in the
 * card's thread) instead of being answered.
 */
export function forwardDuringHandoff(
  desk: Pick<HandoffService, 'forward'>,
): NonNullable<SlackAppDeps['onMessageDuringHandoff']> {
  return async (ticket, message) => {
    const r = await desk.forward(ticket.id, { by: message.user, text: message.text, ts: message.ts });
    // The ticket closed in between (resolved a moment ago): the caller logs it.
    if (!r.ok) throw new Error(`could not forward to ${ticket.id}: ${r.message}`);
  };
}
