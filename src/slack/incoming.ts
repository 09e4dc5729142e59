import type { types, webApi } from '@slack/bolt';
import { answerQuestion } from './answer-question.js';
import { DEDUP_TTL_SECONDS } from './dedup.js';
import { cardTicketOf } from './handoff/card-thread.js';
import { stripBotMention } from './text.js';
import type { SlackContext } from './types.js';

/** A person's message, normalised from `message` and `app_mention` events. */
export interface IncomingMessage {
  team: string;
  userTeam?: string;
  channel: string;
  channelType?: string;
  ts: string;
  threadTs?: string;
  user: string;
  text: string;
}

/**
 * Subtypes that are still a person talking: a reply also sent to the channel, a message with a
 * file. Every other subtype (edits, deletions, joins, bot messages, topic changes…) is ignored.
 */
const HUMAN_SUBTYPES = new Set([undefined, 'thread_broadcast', 'file_share']);

/** The message if a person (not this bot, not any bot) wrote it and it is not an edit or deletion. */
export function fromPerson(
  message: types.MessageEvent | types.AppMentionEvent,
  botUserId: string | undefined,
): ((types.MessageEvent | types.AppMentionEvent) & { user: string; ts: string; channel: string }) | null {
  if (!HUMAN_SUBTYPES.has(message.subtype)) return null;
  if ('bot_id' in message && message.bot_id) return null;
  if (!('user' in message) || typeof message.user !== 'string' || message.user === '') return null;
  if (botUserId && message.user === botUserId) return null;
  return message as (types.MessageEvent | types.AppMentionEvent) & {
    user: string;
    ts: string;
    channel: string;
  };
}

/**
 * Answers a message once. The same message can arrive as `app_mention` and as `message` (two event
 * ids): whichever comes first claims `channel+ts`, the other is dropped.
 */
export async function handleIncoming(
  ctx: SlackContext,
  client: webApi.WebClient,
  botUserId: string | undefined,
  msg: IncomingMessage,
): Promise<void> {
  // Teammates in a support card's thread are talking to the asker (relayed by card-thread-reply),
  // not asking the bot, even when they mention it.
  if (await cardTicketOf(ctx, msg.channel, msg.ts, msg.threadTs)) return;
  if (!(await ctx.dedup.firstTime(`msg:${msg.channel}:${msg.ts}`, DEDUP_TTL_SECONDS))) {
    ctx.logger.debug({ channel: msg.channel, ts: msg.ts }, 'message already answered');
    return;
  }
  await answerQuestion(ctx, client, {
    team: msg.team,
    ...(msg.userTeam ? { userTeam: msg.userTeam } : {}),
    channel: msg.channel,
    threadTs: msg.threadTs ?? msg.ts,
    user: msg.user,
    text: stripBotMention(msg.text, botUserId),
    isDm: msg.channelType === 'im',
    messageTs: msg.ts,
  });
}
