import { setTimeout as sleep } from 'node:timers/promises';
import type { GapDraft } from '../../../insights/gap-draft.js';
import type { Gap } from '../../../insights/gaps.js';
import { decodeGapRef } from '../../blocks/digest.js';
import { buildGapAnswerModal, type GapModalInput } from '../../blocks/gap-modal.js';
import { tellUser } from '../../ephemeral.js';
import { errorSummary, slackErrorCode } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';
import { NOT_AN_EDITOR } from '../views/gap-answer.js';
import { actionWhere, type ButtonArgs } from './where.js';

/** Slack lets a trigger_id open a modal for 3 s: a slower draft opens a "drafting…" modal first. */
const QUICK_MS = 1800;

/**
 * `gap_draft` on a digest gap: opens the `gap_answer_view` modal prefilled with a draft (the
 * model's, else the teammates' replies). Only admins and SLACK_ANSWER_EDITORS may save answers,
 * so only they get the form. A gap whose questions changed since the digest still opens, with its
 * question and no draft.
 */
export function gapDraft(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const where = actionWhere(body);
    const to = { channel: where.channel, user: where.user };
    const ref = decodeGapRef(action.value);
    const gaps = ctx.gaps;
    if (!ref || !gaps) {
      await tellUser(client, ctx.logger, to, 'This digest button no longer works here.');
      return;
    }
    if (!ctx.canSaveAnswers(where.user)) {
      await tellUser(client, ctx.logger, to, NOT_AN_EDITOR);
      return;
    }
    const meta = {
      ref: { id: ref.id, space: ref.space, from: ref.from, to: ref.to },
      ...(where.channel ? { channel: where.channel } : {}),
      ...(where.messageTs ? { threadTs: where.threadTs ?? where.messageTs } : {}),
    };
    const modal = (found: { gap: Gap | null; draft: GapDraft | null }): GapModalInput => ({
      meta,
      question: found.gap?.question ?? ref.question ?? '',
      draft: found.draft?.text ?? '',
      note:
        found.draft?.note ??
        'These questions changed since the digest was posted: no draft. Write the answer.',
      count: found.gap?.count ?? 0,
    });
    const work = (async () => {
      const gap = await gaps.find(ref);
      return { gap, draft: gap ? await gaps.draft(gap) : null };
    })();
    // Awaited below; this only keeps a failure while the modal opens from going unhandled.
    work.catch(() => undefined);
    try {
      const quick = await Promise.race([work, sleep(QUICK_MS).then(() => null)]);
      if (quick) {
        await client.views.open({ trigger_id: body.trigger_id, view: buildGapAnswerModal(modal(quick)) });
        return;
      }
      const opened = await client.views.open({
        trigger_id: body.trigger_id,
        view: buildGapAnswerModal({ ...modal({ gap: null, draft: null }), loading: true }),
      });
      const found = await work;
      await client.views.update({
        view_id: String(opened.view?.id ?? ''),
        view: buildGapAnswerModal(modal(found)),
      });
    } catch (err) {
      const expired = slackErrorCode(err) === 'expired_trigger_id';
      ctx.logger.warn({ err: errorSummary(err), gapId: ref.id }, 'gap draft modal did not open');
      await tellUser(
        client,
        ctx.logger,
        to,
        expired
          ? 'The draft took too long to open. Click *Draft answer* again.'
          : "I couldn't open the draft answer. Please try again in a moment.",
      );
    }
  };
}
