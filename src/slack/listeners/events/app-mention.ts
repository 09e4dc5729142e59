import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { fromPerson, handleIncoming } from '../../incoming.js';
import type { SlackContext } from '../../types.js';

type Args = AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_mention'>;

/** A mention in a channel: answered in the thread (`thread_ts` if it is a reply, else its own ts). */
export function appMention(ctx: SlackContext) {
  return async ({ event, body, client, context }: Args): Promise<void> => {
    const m = fromPerson(event, context.botUserId);
    if (!m) return;
    const team = body.team_id || event.team || '';
    await handleIncoming(ctx, client, context.botUserId, {
      team,
      ...(event.user_team || event.team ? { userTeam: event.user_team ?? event.team } : {}),
      channel: event.channel,
      ts: event.ts,
      ...(event.thread_ts ? { threadTs: event.thread_ts } : {}),
      user: m.user,
      text: event.text,
    });
  };
}
