import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { DEDUP_TTL_SECONDS } from '../dedup.js';
import type { SlackContext } from '../types.js';

/**
 * Bolt acks every event before listeners run and does not deduplicate, so a delivery Slack retried
 * (`X-Slack-Retry-Num`, e.g. after a slow ack or a lost response) would be answered again. The
 * event id is claimed once; a repeat is acked (already, by Bolt) and dropped here.
 */
export function dedupEvents(ctx: SlackContext): Middleware<AnyMiddlewareArgs> {
  return async ({ body, context, next }) => {
    const eventId = 'event_id' in body && typeof body.event_id === 'string' ? body.event_id : undefined;
    if (eventId && !(await ctx.dedup.firstTime(`event:${eventId}`, DEDUP_TTL_SECONDS))) {
      ctx.logger.debug(
        { eventId, retryNum: context.retryNum, retryReason: context.retryReason },
        'duplicate delivery dropped',
      );
      return;
    }
    await next();
  };
}
