import type { webApi } from '@slack/bolt';
import { LRUCache } from 'lru-cache';
import type { HandoffTicket } from '../../domain/handoff.js';
import type { Logger } from '../../logger.js';
import { errorSummary } from '../slack-errors.js';

const KEEP = 500;

/**
 * Permalinks of askers' threads for the support card. Tickets made by the answer pipeline carry
 * no link (the pipeline knows nothing of Slack), so the card asks `chat.getPermalink`; the answer
 * is cached because the card is redrawn on every change. A failure is not fatal: the card then
 * names the channel and thread ts instead.
 */
export function createThreadLinks(client: webApi.WebClient, logger: Logger) {
  const cache = new LRUCache<string, string>({ max: KEEP });
  return async function linkFor(ticket: HandoffTicket): Promise<string | undefined> {
    const { link, surface, channel, threadTs } = ticket.origin;
    if (link) return link;
    if (surface !== 'slack' || !channel || !threadTs) return undefined;
    const key = `${channel}:${threadTs}`;
    const known = cache.get(key);
    if (known) return known;
    try {
      const res = await client.chat.getPermalink({ channel, message_ts: threadTs });
      if (!res.permalink) return undefined;
      cache.set(key, res.permalink);
      return res.permalink;
    } catch (err) {
      logger.debug({ err: errorSummary(err), handoffId: ticket.id }, 'no permalink for the thread');
      return undefined;
    }
  };
}
