import type { types } from '@slack/bolt';
import { FEEDBACK_REASON, VIEW } from './ids.js';
import { LIMITS, plain } from './limits.js';

/** Where the 👎 came from, carried through the modal in `private_metadata`. */
export interface FeedbackModalMeta {
  answerId: string;
  channel?: string;
  threadTs?: string;
}

export function buildFeedbackReasonModal(meta: FeedbackModalMeta): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.feedbackReason,
    // Cancelling still records the 👎 (without a reason): Slack sends view_closed only when asked to.
    notify_on_close: true,
    private_metadata: JSON.stringify(meta).slice(0, LIMITS.privateMetadata),
    title: plain('Not helpful', LIMITS.modalTitle),
    submit: plain('Send', LIMITS.modalButton),
    close: plain('Cancel', LIMITS.modalButton),
    blocks: [
      {
        type: 'input',
        block_id: FEEDBACK_REASON.blockId,
        optional: true,
        label: plain('What was wrong with the answer?', LIMITS.inputLabel),
        hint: plain('Your note goes to the team that maintains the knowledge base.', LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: FEEDBACK_REASON.actionId,
          multiline: true,
          max_length: 2000,
          placeholder: plain('e.g. the return window is 60 days now, not 30', 150),
        },
      },
    ],
  };
}

export function parseFeedbackModalMeta(raw: string | undefined): FeedbackModalMeta | null {
  if (!raw) return null;
  try {
    const o: unknown = JSON.parse(raw);
    if (typeof o !== 'object' || o === null) return null;
    const r = o as Record<string, unknown>;
    if (typeof r.answerId !== 'string' || r.answerId === '') return null;
    return {
      answerId: r.answerId,
      ...(typeof r.channel === 'string' ? { channel: r.channel } : {}),
      ...(typeof r.threadTs === 'string' ? { threadTs: r.threadTs } : {}),
    };
  } catch {
    return null;
  }
}
