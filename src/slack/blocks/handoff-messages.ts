import type { HandoffMessage, HandoffTicket } from '../../domain/handoff.js';
import { neutralizeForeign, stripPings, truncate } from '../text.js';
import { quote } from './handoff-card.js';
import { person } from './person.js';

/**
 * The plain messages of the handoff loop (the card itself is in handoff-card.ts). Words typed in
 * Slack keep their own formatting (it is Slack mrkdwn they typed), only pings are removed; words
 * from anywhere else (web askers, console agents) are neutralized: no mentions, no disguised links.
 */

// chat.postMessage truncates `text` beyond 40,000 characters; stay clear of it.
const TEXT_MAX = 39_000;

const said = (text: string, fromSlack: boolean) =>
  fromSlack
    ? truncate(stripPings(text).trim(), TEXT_MAX)
    : neutralizeForeign(truncate(text.trim(), TEXT_MAX));

/** In the asker's thread: the teammate's reply, attributed. */
export function buildRelayText(reply: HandoffMessage): string {
  return `${person(reply.by, 'A teammate')} (teammate): ${said(reply.text, reply.via === 'slack')}`;
}

/** In the card's thread: a reply sent from the modal or the console, so the team sees it too. */
export function buildReplyNoteText(reply: HandoffMessage): string {
  return `:envelope_with_arrow: ${person(reply.by, 'A teammate')} replied to the asker:\n${quote(said(reply.text, reply.via === 'slack'))}`;
}

/** In the card's thread: what the asker wrote while the ticket is open. */
export function buildForwardText(message: HandoffMessage, ticket: Pick<HandoffTicket, 'origin'>): string {
  const fromSlack = ticket.origin.surface === 'slack';
  return `:speech_balloon: ${person(message.by, 'The asker')} (asker) wrote:\n${quote(said(message.text, fromSlack))}`;
}

/** In the card's thread (and the channel): nobody has claimed the ticket yet. */
export function buildReminderText(ticket: HandoffTicket, now: number): string {
  return `:alarm_clock: Reminder: this question has waited ${waited(now - ticket.createdAt)} for a teammate. Claim it, or reply in this thread.`;
}

export function waited(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h`;
}

/** In the card's thread: a reply never reached the asker, even after retries. */
export function buildRelayFailedText(reply: HandoffMessage, error: string): string {
  return `:warning: ${person(reply.by, 'A teammate')}, your reply did not reach the asker (${neutralizeForeign(truncate(error, 300))}). It is kept on the ticket: reach the asker another way, or reply again later.`;
}
