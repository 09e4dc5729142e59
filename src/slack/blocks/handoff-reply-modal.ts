import type { types, ViewOutput } from '@slack/bolt';
import { escapeMrkdwn, oneLine, truncate } from '../text.js';
import { quote } from './handoff-card.js';
import { HANDOFF_REPLY, VIEW } from './ids.js';
import { LIMITS, plain } from './limits.js';

export interface HandoffReplyModalInput {
  ticketId: string;
  question: string;
  /** The bot's draft: the teammate usually corrects it rather than starting from nothing. */
  draft?: string;
  /** False when this server cannot save answers (no reindexer): the option is not offered. */
  canSave: boolean;
}

export interface HandoffReplySubmission {
  text: string;
  save: boolean;
  resolve: boolean;
}

/** plain_text_input allows at most 3000 characters, and its initial value must fit in them. */
export const REPLY_MAX_CHARS = 3000;

// Option text and description are limited to 75 characters each.
const SAVE_OPTION: types.Option = {
  text: plain('Save as answer for next time', 75),
  description: plain('Copilot then answers this itself. Emails, phones, cards are removed.', 75),
  value: HANDOFF_REPLY.save,
};
const RESOLVE_OPTION: types.Option = {
  text: plain('Resolve the ticket after sending', 75),
  description: plain('Untick to keep the conversation going.', 75),
  value: HANDOFF_REPLY.resolve,
};

/**
 * The `handoff_reply_view` modal: the answer prefilled from the draft and the options. A reply
 * from the modal resolves the ticket by default (it is usually the answer); unticking keeps it
 * open for a follow-up. `private_metadata` is the ticket id.
 */
export function buildHandoffReplyModal(input: HandoffReplyModalInput): types.ModalView {
  const draft = input.draft?.trim();
  const options = input.canSave ? [SAVE_OPTION, RESOLVE_OPTION] : [RESOLVE_OPTION];
  return {
    type: 'modal',
    callback_id: VIEW.handoffReply,
    private_metadata: input.ticketId.slice(0, LIMITS.privateMetadata),
    title: plain('Reply to the asker', LIMITS.modalTitle),
    submit: plain('Send', LIMITS.modalButton),
    close: plain('Cancel', LIMITS.modalButton),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Question*\n${quote(escapeMrkdwn(truncate(oneLine(input.question), LIMITS.sectionText - 20)))}`,
        },
      },
      {
        type: 'input',
        block_id: HANDOFF_REPLY.answer.blockId,
        label: plain('Your answer', LIMITS.inputLabel),
        hint: plain("Posted in the asker's thread, as coming from you.", LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: HANDOFF_REPLY.answer.actionId,
          multiline: true,
          max_length: REPLY_MAX_CHARS,
          ...(draft ? { initial_value: truncate(draft, REPLY_MAX_CHARS) } : {}),
        },
      },
      {
        type: 'input',
        block_id: HANDOFF_REPLY.options.blockId,
        optional: true,
        label: plain('Options', LIMITS.inputLabel),
        element: {
          type: 'checkboxes',
          action_id: HANDOFF_REPLY.options.actionId,
          options,
          initial_options: [RESOLVE_OPTION],
        },
      },
    ],
  };
}

/** What the teammate submitted. Pure: the view state in, the reply out. */
export function readHandoffReply(state: ViewOutput['state']): HandoffReplySubmission {
  const values = state.values;
  const text = values[HANDOFF_REPLY.answer.blockId]?.[HANDOFF_REPLY.answer.actionId]?.value ?? '';
  const picked = values[HANDOFF_REPLY.options.blockId]?.[HANDOFF_REPLY.options.actionId]?.selected_options;
  const chosen = new Set((picked ?? []).map((o) => o.value));
  return {
    text: text.trim(),
    save: chosen.has(HANDOFF_REPLY.save),
    resolve: chosen.has(HANDOFF_REPLY.resolve),
  };
}
