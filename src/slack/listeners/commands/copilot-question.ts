import { answerQuestion } from '../../answer-question.js';
import { isDmChannel } from '../../conversation.js';
import { errorSummary, slackErrorCode } from '../../slack-errors.js';
import { escapeMrkdwn, truncate } from '../../text.js';
import type { SlackContext } from '../../types.js';
import { type CommandArgs, ephemeral } from './args.js';

const NOT_HERE = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

/**
 * `/copilot <question>` is answered in the channel, in a thread under a message that quotes the
 * question, so the answer streams, has working buttons and memory, and can be followed up like any
 * other. Where the bot cannot post (not invited, someone else's DM) the user is told how to fix it.
 */
export async function commandQuestion(ctx: SlackContext, args: CommandArgs, question: string): Promise<void> {
  const { command, client, respond } = args;
  const channel = command.channel_id;
  let ts: string | undefined;
  try {
    const posted = await client.chat.postMessage({
      channel,
      text: `<@${command.user_id}> asked: *${escapeMrkdwn(truncate(question, 2000))}*`,
    });
    ts = posted.ts;
  } catch (err) {
    const code = slackErrorCode(err);
    ctx.logger.info({ err: errorSummary(err), channel }, 'cannot post the /copilot question here');
    await respond(
      ephemeral(
        code && NOT_HERE.has(code)
          ? "I can't post in this conversation. Invite me with `/invite @Copilot`, or ask me in a direct message."
          : "Sorry, I couldn't post your question here. Please try again.",
      ),
    );
    return;
  }
  if (!ts) return;
  await answerQuestion(ctx, client, {
    team: command.team_id,
    channel,
    threadTs: ts,
    user: command.user_id,
    text: question,
    isDm: isDmChannel(channel),
    messageTs: ts,
  });
}
