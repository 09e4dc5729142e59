import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CopilotError } from '../../../errors.js';
import { decodeGapMeta, readGapAnswer } from '../../blocks/gap-modal.js';
import { GAP_ANSWER } from '../../blocks/ids.js';
import { tellUser } from '../../ephemeral.js';
import { errorSummary, slackCall } from '../../slack-errors.js';
import { escapeMrkdwn, oneLine, truncate } from '../../text.js';
import type { SlackContext } from '../../types.js';

export const NOT_AN_EDITOR =
  'Only Copilot admins and answer editors (SLACK_ANSWER_EDITORS) can save answers to knowledge gaps.';

type SubmitArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

const fieldError = (blockId: string, message: string) => ({
  response_action: 'errors' as const,
  errors: { [blockId]: message },
});

/**
 * The `gap_answer_view` modal was submitted: admins and SLACK_ANSWER_EDITORS only (checked again
 * here: the form is only shown to them, a crafted submission is refused all the same). The modal
 * closes at once; the answer is saved through the handoff desk's saver (PII scrub, versions,
 * reindex of that file), then the digest's thread is told, so the team sees the gap is closed.
 */
export function gapAnswerSubmitted(ctx: SlackContext) {
  return async ({ ack, view, body, client }: SubmitArgs): Promise<void> => {
    const user = body.user.id;
    const meta = decodeGapMeta(view.private_metadata);
    const input = readGapAnswer(view.state);
    if (!ctx.canSaveAnswers(user)) return ack(fieldError(GAP_ANSWER.answer.blockId, NOT_AN_EDITOR));
    if (!meta || !ctx.gaps) {
      return ack(fieldError(GAP_ANSWER.answer.blockId, 'Saving answers to gaps is not available here.'));
    }
    if (!input.question) return ack(fieldError(GAP_ANSWER.question.blockId, 'Write the question first.'));
    if (!input.text) return ack(fieldError(GAP_ANSWER.answer.blockId, 'Write the answer first.'));
    await ack();
    const where = { channel: meta.channel, threadTs: meta.threadTs };
    try {
      const saved = await ctx.gaps.save({
        ref: meta.ref,
        question: input.question,
        text: input.text,
        agent: user,
      });
      ctx.logger.info({ gapId: meta.ref.id, agent: user, file: saved.file }, 'gap answered from Slack');
      const question = escapeMrkdwn(truncate(oneLine(input.question), 300));
      const text = `<@${user}> saved an answer to “${question}” as \`${saved.file}\`: Copilot answers it from now on.`;
      if (!where.channel) return;
      await slackCall('chat.postMessage', () =>
        client.chat.postMessage({
          channel: where.channel as string,
          text,
          ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
        }),
      ).catch(async (err: unknown) => {
        ctx.logger.warn({ err: errorSummary(err), gapId: meta.ref.id }, 'gap saved; thread note not posted');
        await tellUser(client, ctx.logger, { channel: where.channel, user }, text);
      });
    } catch (err) {
      ctx.logger.error({ err: errorSummary(err), gapId: meta.ref.id }, 'saving a gap answer failed');
      const why = err instanceof CopilotError ? err.message : 'Please try again in a moment.';
      await tellUser(
        client,
        ctx.logger,
        { channel: where.channel, user, threadTs: where.threadTs },
        `Your answer was not saved. ${why}`,
      );
    }
  };
}
