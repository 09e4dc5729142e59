import type { webApi } from '@slack/bolt';
import type { Outcome } from '../conversation/types.js';
import { AnswerState } from './answer-state.js';
import { conversationIdFor, conversationKeyFor } from './conversation.js';
import { tellUser } from './ephemeral.js';
import { markForwarded, setWorking } from './reactions.js';
import { errorSummary } from './slack-errors.js';
import { SlackAnswerStream } from './stream/answer-stream.js';
import type { SlackContext } from './types.js';

export interface Question {
  /** Workspace the app is installed in (part of the memory key). */
  team: string;
  channel: string;
  threadTs: string;
  user: string;
  /** The asker's own team (differs in Slack Connect channels); used as the stream recipient. */
  userTeam?: string;
  text: string;
  isDm: boolean;
  /** The message that asked: gets 👀 while working, and is what a handoff relay forwards. */
  messageTs?: string;
}

export type AnswerOutcome = 'answered' | 'handoff' | 'refused';

const LOST_NOTE =
  "Sorry, I couldn't post my answer in this thread. Please ask again in a moment; if it keeps happening, an admin should check that I'm still in this channel.";

/**
 * Carries one question to the conversation service and renders what it says in the thread: a
 * refusal (rate limit, no space) as a note; a message for an open ticket silently (✉ once the
 * ticket took it); otherwise the thread is remembered (follow-ups need no mention), 👀 shows
 * while the answer streams, and the answer blocks always close it, even when the answer failed.
 */
export async function answerQuestion(
  ctx: SlackContext,
  client: webApi.WebClient,
  q: Question,
): Promise<AnswerOutcome> {
  const key = conversationKeyFor(q.team, q.channel, q.threadTs);
  const opened = await ctx.conversation.open({
    conversation: {
      key,
      id: conversationIdFor(q.channel, q.threadTs),
      origin: { surface: 'slack', team: q.team, channel: q.channel, threadTs: q.threadTs },
      user: q.user,
    },
    message: q.text,
    space: { channel: { team: q.team, channel: q.channel } },
    // One bucket per workspace user.
    rateKey: `slack:${q.team}:${q.user}`,
    ...(q.messageTs ? { ts: q.messageTs } : {}),
  });
  if ('refused' in opened) {
    const text = refusalText(opened.refused);
    await client.chat
      .postMessage({ channel: q.channel, thread_ts: q.threadTs, text })
      .catch((err: unknown) => ctx.logger.warn({ err: errorSummary(err) }, 'refusal note failed'));
    return 'refused';
  }
  const { turn } = opened;
  if (turn.activeTicket) {
    // A teammate owns the thread: the bot stays silent; the message goes to the ticket.
    ctx.logger.info(
      { handoffId: turn.activeTicket.id, channel: q.channel },
      'thread has an open handoff: bot stays silent',
    );
    const outcome = await turn.run();
    if (outcome.ticket?.forwarded && q.messageTs) {
      await markForwarded(client, ctx.logger, { channel: q.channel, ts: q.messageTs });
    }
    return 'handoff';
  }
  await ctx.threads.remember(key, ctx.config.memory.ttlSeconds).catch((err: unknown) => {
    ctx.logger.warn(
      { err: errorSummary(err) },
      'could not remember the thread; follow-ups will need a mention',
    );
  });
  const reactTo = q.messageTs ? { channel: q.channel, ts: q.messageTs } : undefined;
  const working = reactTo ? await setWorking(client, ctx.logger, reactTo, true) : false;
  const stream = new SlackAnswerStream({
    client,
    target: {
      channel: q.channel,
      threadTs: q.threadTs,
      ...(q.isDm ? {} : { recipient: { teamId: q.userTeam ?? q.team, userId: q.user } }),
    },
    logger: ctx.logger,
    options: ctx.stream,
  });
  const state = new AnswerState();
  const startedAt = Date.now();
  try {
    state.use(
      await turn.run((event) => {
        if (event.type === 'token') stream.push(event.text);
      }),
    );
  } catch (err) {
    state.fail();
    ctx.logger.error({ err: errorSummary(err), conversationKey: key }, 'copilot failed on a Slack question');
  } finally {
    stream.push(state.closingText());
    await stream.finish({ blocks: state.finalBlocks(q.text), notificationText: state.notificationText() });
    // Slack refused the answer itself (the stream logged why): never leave the asker in silence.
    if (stream.lost) {
      await tellUser(
        client,
        ctx.logger,
        { channel: q.channel, user: q.user, threadTs: q.threadTs },
        LOST_NOTE,
      );
    }
    if (working && reactTo) await setWorking(client, ctx.logger, reactTo, false);
  }
  ctx.logger.info(
    {
      channel: q.channel,
      answerId: state.answerId,
      decision: state.decision,
      error: state.error?.code,
      stream: stream.mode,
      chars: stream.sentChars,
      ms: Date.now() - startedAt,
    },
    'slack answer sent',
  );
  return 'answered';
}

/** A refusal in the thread: the message, and its hint when it has one. */
function refusalText(refused: Outcome): string {
  const e = refused.error;
  if (!e) return "Sorry, I can't answer here right now.";
  return e.hint ? `${e.message} ${e.hint}` : e.message;
}
