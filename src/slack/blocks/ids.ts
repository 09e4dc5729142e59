/** Action ids and callback ids are part of the contract with Slack: never rename. */
export const ACTION = {
  feedbackUp: 'copilot_feedback_up',
  feedbackDown: 'copilot_feedback_down',
  askHuman: 'copilot_ask_human',
  clarify: 'copilot_clarify',
  kbReindex: 'kb_reindex',
  handoffClaim: 'handoff_claim',
  handoffReply: 'handoff_reply',
  handoffResolve: 'handoff_resolve',
  /** A knowledge gap in the weekly digest: opens the draft answer modal. */
  gapDraft: 'gap_draft',
} as const;

export const VIEW = {
  feedbackReason: 'copilot_feedback_reason',
  handoffReply: 'handoff_reply_view',
  gapAnswer: 'gap_answer_view',
} as const;

/** The reason input inside the feedback modal. */
export const FEEDBACK_REASON = { blockId: 'reason', actionId: 'reason_input' } as const;

/** The inputs of the handoff reply modal: the answer text and the options checkboxes. */
export const HANDOFF_REPLY = {
  answer: { blockId: 'answer', actionId: 'answer_input' },
  options: { blockId: 'options', actionId: 'options_input' },
  save: 'save',
  resolve: 'resolve',
} as const;

/** The inputs of the gap answer modal: the question the answer is filed under, and the answer. */
export const GAP_ANSWER = {
  question: { blockId: 'gap_question', actionId: 'gap_question_input' },
  answer: { blockId: 'gap_answer', actionId: 'gap_answer_input' },
} as const;
