import type { HandoffTicket, Transition } from '../../domain/handoff.js';
import { person } from '../blocks/person.js';

/**
 * What a teammate is told when a card action cannot go through. Pure. `mention: false` gives
 * text for places that show no mrkdwn (modal field errors).
 */

export const DESK_OFF = 'Handoffs cannot be handled from Slack on this server. Use /console instead.';
export const NOT_FOUND = "I can't find this ticket any more.";

/** Why `user` may not reply to (or claim) this ticket right now, or null when they may. */
export function refusalFor(ticket: HandoffTicket, user: string, mention = true): string | null {
  if (ticket.status === 'resolved' || ticket.status === 'cancelled') {
    return `This ticket is already ${ticket.status}.`;
  }
  if (ticket.status === 'claimed' && ticket.assignee && ticket.assignee !== user) {
    return mention
      ? `${person(ticket.assignee)} already has this one.`
      : 'Another teammate has claimed this ticket; only they can reply to it now.';
  }
  return null;
}

/** The note for a failed transition (someone else has it, it is closed, it is gone). */
export function refusalOf(r: Transition & { ok: false }, user: string): string {
  if (r.code === 'not_found') return NOT_FOUND;
  return refusalFor(r.ticket, user) ?? r.message;
}
