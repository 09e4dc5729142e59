import type { webApi } from '@slack/bolt';
import type { HandoffTicket } from '../domain/handoff.js';
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

export type AnswerOutcome = 'answered' | 'handoff' | 'no_space';

const LOST_NOTE =
  "Sorry, I couldn't post my answer in this thread. Please ask again in a moment; if it keeps happening, an admin should check that I'm still in this channel.";

const NO_SPACE_NOTE =
  "I'm not set up to answer in this conversation yet. An admin can map it to a knowledge space in knowledge/spaces.json.";

/**
 * Answers one question in its thread: stays silent when a teammate owns the thread, otherwise
 * remembers the thread (follow-ups need no mention), shows 👀, streams the copilot's answer and
 * always closes it with the answer blocks, even when the copilot fails.
 */
export async function answerQuestion(
  ctx: SlackContext,
  client: webApi.WebClient,
  q: Question,
): Promise<AnswerOutcome> {
  const key = conversationKeyFor(q.team, q.channel, q.threadTs);
  const ticket = await activeTicket(ctx, key);
  if (ticket) {
    await forwardToHandoff(ctx, client, ticket, q);
    return 'handoff';
  }
  const space = ctx.spaceFor(q.team, q.channel);
  if (!space) {
    await client.chat
      .postMessage({ channel: q.channel, thread_ts: q.threadTs, text: NO_SPACE_NOTE })
      .catch((err: unknown) => ctx.logger.warn({ err: errorSummary(err) }, 'no-space note failed'));
    return 'no_space';
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
    await ctx.copilot.ask(
      {
        message: q.text,
        conversationKey: key,
        conversationId: conversationIdFor(q.channel, q.threadTs),
        space,
        user: q.user,
        origin: { surface: 'slack', team: q.team, channel: q.channel, threadTs: q.threadTs },
      },
      (event) => {
        state.apply(event);
        if (event.type === 'token') stream.push(event.text);
      },
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

async function activeTicket(ctx: SlackContext, key: string): Promise<HandoffTicket | null> {
  try {
    return await ctx.handoffs.activeFor(key);
  } catch (err) {
    // Better to answer than to leave the asker in silence because the ticket store hiccuped.
    ctx.logger.warn({ err: errorSummary(err), conversationKey: key }, 'handoff lookup failed; answering');
    return null;
  }
}

async function forwardToHandoff(
  ctx: SlackContext,
  client: webApi.WebClient,
  ticket: HandoffTicket,
  q: Question,
): Promise<void> {
  ctx.logger.info(
    { handoffId: ticket.id, channel: q.channel },
    'thread has an open handoff: bot stays silent',
  );
  if (!ctx.onMessageDuringHandoff) return;
  try {
    await ctx.onMessageDuringHandoff(ticket, {
      team: q.team,
      channel: q.channel,
      threadTs: q.threadTs,
      ts: q.messageTs ?? q.threadTs,
      user: q.user,
      text: q.text,
    });
    if (q.messageTs) await markForwarded(client, ctx.logger, { channel: q.channel, ts: q.messageTs });
  } catch (err) {
    ctx.logger.error(
      { err: errorSummary(err), handoffId: ticket.id },
      'relaying a message to the handoff failed',
    );
  }
}
