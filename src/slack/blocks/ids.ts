/** Action ids and callback ids are part of the contract with Slack (and DESIGN §7): never rename. */
export const ACTION = {
  feedbackUp: 'copilot_feedback_up',
  feedbackDown: 'copilot_feedback_down',
  askHuman: 'copilot_ask_human',
  clarify: 'copilot_clarify',
  kbReindex: 'kb_reindex',
} as const;

export const VIEW = {
  feedbackReason: 'copilot_feedback_reason',
} as const;

/** The reason input inside the feedback modal. */
export const FEEDBACK_REASON = { blockId: 'reason', actionId: 'reason_input' } as const;
