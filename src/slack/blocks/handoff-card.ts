import type { types } from '@slack/bolt';
import type { HandoffReason, HandoffTicket } from '../../domain/handoff.js';
import { escapeMrkdwn, neutralizeForeign, oneLine, truncate } from '../text.js';
import { buildSourcesBlock } from './answer.js';
import { ACTION } from './ids.js';
import { button, context, header, LIMITS, section } from './limits.js';
import { person } from './person.js';

/** A message to post or rewrite: the notification text and its blocks. */
export interface SlackMessage {
  text: string;
  blocks: types.KnownBlock[];
}

const REASONS: Record<HandoffReason, string> = {
  escalate: 'nothing relevant enough in the knowledge base',
  no_answer: 'the passages did not hold the answer',
  failure: 'the model or the search failed',
  asked: 'the asker clicked "Ask a human"',
  requested: 'the asker asked for a person',
  safety: 'the question tripped the content safety check',
};

// Leaves room in the 3000-char section for the bold label in front of the text.
const BODY_MAX = LIMITS.sectionText - 100;

/**
 * Where the asker is, in mrkdwn: the thread's permalink when Slack gave one, else the channel
 * and thread ts (still enough to find it), or the web conversation for web tickets.
 */
export function describeWhere(ticket: HandoffTicket, permalink?: string): string {
  const o = ticket.origin;
  // A permalink is Slack's own https URL; anything with `|` or `>` would break the link syntax.
  if (permalink && /^https:\/\/[^\s|>]+$/.test(permalink)) return `<${permalink}|Open the thread>`;
  if (o.surface === 'slack' && o.channel) {
    return `<#${o.channel}>${o.threadTs ? ` · thread \`${o.threadTs}\`` : ''}`;
  }
  // The conversation id reads the human replies of that chat: it never goes on the card.
  if (o.surface === 'web') return 'web chat';
  return escapeMrkdwn(o.surface);
}

/** Who resolved the ticket: the ticket keeps it in its history only. */
function resolvedBy(t: HandoffTicket): string | undefined {
  return [...t.history].reverse().find((h) => h.action === 'resolved')?.actor;
}

export function cardStatusLine(t: HandoffTicket): string {
  const replies = (t.messages ?? []).filter((m) => m.role === 'agent').length;
  const fromAsker = (t.messages ?? []).length - replies;
  const counts = [
    replies ? `${replies} ${replies === 1 ? 'reply' : 'replies'} sent` : '',
    fromAsker ? `${fromAsker} more from the asker` : '',
  ].filter(Boolean);
  const tail = counts.length ? `  ·  ${counts.join(', ')}` : '';
  switch (t.status) {
    case 'open':
      return `:hourglass_flowing_sand: *Waiting for a teammate*: claim it, or reply straight away${tail}`;
    case 'claimed':
      return `:raising_hand: *Claimed by ${person(t.assignee)}*${tail}`;
    case 'resolved':
      return `:white_check_mark: *Resolved* by ${person(resolvedBy(t) ?? t.assignee)}${tail}`;
    case 'cancelled':
      return `:no_entry_sign: *Cancelled*${tail}`;
  }
}

function buttons(t: HandoffTicket): types.ActionsBlock | null {
  if (t.status !== 'open' && t.status !== 'claimed') return null; // closed: nothing left to do
  const elements: types.Button[] = [];
  // Once claimed, "Claim" would only produce "X already has this one": leave Reply and Resolve.
  if (t.status === 'open') elements.push(button(ACTION.handoffClaim, '🙋 Claim', t.id, 'primary'));
  elements.push(button(ACTION.handoffReply, '✍️ Reply', t.id));
  elements.push(button(ACTION.handoffResolve, '✅ Resolve', t.id));
  return { type: 'actions', block_id: `handoff_${t.id}`, elements };
}

/**
 * The support card in SLACK_HANDOFF_CHANNEL: question, asker, link to the thread,
 * draft answer, sources, why the bot handed it over, its state and assignee, and the buttons
 * `handoff_claim`, `handoff_reply`, `handoff_resolve` (carrying the ticket id; none once closed).
 */
export function buildHandoffCard(ticket: HandoffTicket, permalink?: string): SlackMessage {
  const asker = person(ticket.asker, ticket.origin.surface === 'web' ? 'a web visitor' : 'someone');
  const question = escapeMrkdwn(truncate(ticket.question.trim(), BODY_MAX));
  const blocks: types.KnownBlock[] = [
    header('A question for a teammate'),
    section(`*Question*\n${quote(question)}`),
    context([
      `From ${asker}`,
      describeWhere(ticket, permalink),
      `Why: ${REASONS[ticket.reason] ?? escapeMrkdwn(ticket.reason)}`,
      `Space \`${escapeMrkdwn(ticket.space)}\` · ticket \`${ticket.id}\``,
    ]),
  ];
  const draft = ticket.draftAnswer?.trim();
  blocks.push(
    draft
      ? section(`*Draft answer* (not sent)\n${quote(escapeMrkdwn(truncate(draft, BODY_MAX)))}`)
      : context(['_No draft answer: the knowledge base had nothing good enough._']),
  );
  const sources = buildSourcesBlock(ticket.sources);
  if (sources) blocks.push(sources);
  blocks.push({ type: 'divider' });
  const status = [cardStatusLine(ticket)];
  if (ticket.savedAnswer)
    status.push(`:books: Saved for next time as \`${escapeMrkdwn(ticket.savedAnswer)}\``);
  blocks.push(context(status));
  const actions = buttons(ticket);
  if (actions) blocks.push(actions);
  return {
    text: `Question for a teammate from ${asker}: ${neutralizeForeign(truncate(oneLine(ticket.question), 150))}`,
    blocks,
  };
}

/** Quotes every line (`>`), so the question and draft stand apart from the card's own words. */
export function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
}
