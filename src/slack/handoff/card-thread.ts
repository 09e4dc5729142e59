import type { HandoffTicket } from '../../domain/handoff.js';
import { errorSummary } from '../slack-errors.js';
import type { SlackContext } from '../types.js';

/**
 * The ticket whose support card starts this thread, if `channel` is the handoff channel and the
 * message is a reply in a thread. Teammates talking in a card's thread are relayed to the asker,
 * never answered by the bot. A lookup failure counts as "no card" (and is logged).
 */
export async function cardTicketOf(
  ctx: SlackContext,
  channel: string,
  ts: string,
  threadTs: string | undefined,
): Promise<HandoffTicket | null> {
  if (!ctx.desk || !threadTs || threadTs === ts || channel !== ctx.config.slack.handoffChannel) return null;
  try {
    return await ctx.desk.byCard(channel, threadTs);
  } catch (err) {
    ctx.logger.warn({ err: errorSummary(err), channel, threadTs }, 'card lookup failed');
    return null;
  }
}

/** Messages that start with `//` stay among teammates: the card's thread is also where they talk. */
export const TEAM_NOTE = /^\s*\/\//;
