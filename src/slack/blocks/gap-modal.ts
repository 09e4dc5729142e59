import type { types, ViewOutput } from '@slack/bolt';
import type { GapRef } from '../../insights/gap-desk.js';
import { oneLine, truncate } from '../text.js';
import { GAP_ANSWER, VIEW } from './ids.js';
import { LIMITS, plain } from './limits.js';

/** plain_text_input holds at most 3000 characters. */
const ANSWER_MAX = 3000;
const QUESTION_MAX = 2000;

/** What the modal remembers: the gap and where to confirm (the digest's thread). */
export interface GapModalMeta {
  ref: Omit<GapRef, 'question'>;
  channel?: string;
  threadTs?: string;
}

export interface GapModalInput {
  meta: GapModalMeta;
  question: string;
  /** The draft's text ('' = none) and the note on where it came from. */
  draft: string;
  note: string;
  /** How many questions the gap holds (0 when it could not be found again). */
  count: number;
  /** While the draft is being written: a modal without inputs, updated when it is ready. */
  loading?: boolean;
}

export function encodeGapMeta(m: GapModalMeta): string {
  return JSON.stringify({
    i: m.ref.id,
    s: m.ref.space,
    f: m.ref.from,
    t: m.ref.to,
    ...(m.channel ? { c: m.channel } : {}),
    ...(m.threadTs ? { ts: m.threadTs } : {}),
  }).slice(0, LIMITS.privateMetadata);
}

export function decodeGapMeta(raw: string): GapModalMeta | null {
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (
      typeof v.i !== 'string' ||
      typeof v.s !== 'string' ||
      typeof v.f !== 'number' ||
      typeof v.t !== 'number'
    )
      return null;
    return {
      ref: { id: v.i, space: v.s, from: v.f, to: v.t },
      ...(typeof v.c === 'string' ? { channel: v.c } : {}),
      ...(typeof v.ts === 'string' ? { threadTs: v.ts } : {}),
    };
  } catch {
    return null;
  }
}

/**
 * The `gap_answer_view` modal: the question (editable: it is what the answer is filed under) and
 * the answer prefilled with the draft, with a line on where the draft came from. Pure.
 */
export function buildGapAnswerModal(input: GapModalInput): types.ModalView {
  const base = {
    type: 'modal' as const,
    callback_id: VIEW.gapAnswer,
    private_metadata: encodeGapMeta(input.meta),
    title: plain('Answer a knowledge gap', LIMITS.modalTitle),
    close: plain('Cancel', LIMITS.modalButton),
  };
  if (input.loading) {
    return {
      ...base,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: Drafting an answer…' } },
      ],
    };
  }
  const asked = input.count > 0 ? `Asked ${input.count}× this period. ` : '';
  return {
    ...base,
    submit: plain('Save as knowledge', LIMITS.modalButton),
    blocks: [
      {
        type: 'input',
        block_id: GAP_ANSWER.question.blockId,
        label: plain('Question', LIMITS.inputLabel),
        hint: plain('Copilot matches this question and its paraphrases to the answer.', LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: GAP_ANSWER.question.actionId,
          max_length: QUESTION_MAX,
          initial_value: truncate(oneLine(input.question), QUESTION_MAX),
        },
      },
      {
        type: 'input',
        block_id: GAP_ANSWER.answer.blockId,
        label: plain('Answer', LIMITS.inputLabel),
        hint: plain(
          `${asked}${input.note} Emails, phones and card numbers are removed when saved.`,
          LIMITS.inputLabel,
        ),
        element: {
          type: 'plain_text_input',
          action_id: GAP_ANSWER.answer.actionId,
          multiline: true,
          max_length: ANSWER_MAX,
          ...(input.draft.trim() ? { initial_value: truncate(input.draft.trim(), ANSWER_MAX) } : {}),
        },
      },
    ],
  };
}

/** What the admin submitted. Pure. */
export function readGapAnswer(state: ViewOutput['state']): { question: string; text: string } {
  const v = state.values;
  return {
    question: (v[GAP_ANSWER.question.blockId]?.[GAP_ANSWER.question.actionId]?.value ?? '').trim(),
    text: (v[GAP_ANSWER.answer.blockId]?.[GAP_ANSWER.answer.actionId]?.value ?? '').trim(),
  };
}
