import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { conversationKeyFor } from '../../conversation.js';
import { fromPerson, handleIncoming } from '../../incoming.js';
import type { SlackContext } from '../../types.js';

type Args = AllMiddlewareArgs & SlackEventMiddlewareArgs<'message'>;

/**
 * `message` events: every DM is answered; in channels only replies in a thread the bot already
 * answered (follow-ups need no new mention). Top-level channel messages are left to `app_mention`.
 */
export function answerInThread(ctx: SlackContext) {
  return async ({ message, body, client, context }: Args): Promise<void> => {
    const m = fromPerson(message, context.botUserId);
    if (!m) return;
    const team = body.team_id || ('team' in m && typeof m.team === 'string' ? m.team : '');
    const channelType = 'channel_type' in m ? m.channel_type : undefined;
    const threadTs = 'thread_ts' in m && typeof m.thread_ts === 'string' ? m.thread_ts : undefined;
    if (channelType !== 'im') {
      if (!threadTs) return;
      if (!(await ctx.threads.has(conversationKeyFor(team, m.channel, threadTs)))) return;
    }
    await handleIncoming(ctx, client, context.botUserId, {
      team,
      ...('team' in m && typeof m.team === 'string' ? { userTeam: m.team } : {}),
      channel: m.channel,
      ...(channelType ? { channelType } : {}),
      ts: m.ts,
      ...(threadTs ? { threadTs } : {}),
      user: m.user,
      text: 'text' in m && typeof m.text === 'string' ? m.text : '',
    });
  };
}
