import type { types } from '@slack/bolt';
import { truncate } from '../text.js';

/** Block Kit limits (docs.slack.dev/reference/block-kit). Builders clamp to these instead of failing. */
export const LIMITS = {
  sectionText: 3000,
  contextText: 3000,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  headerText: 150,
  markdownBlock: 12_000,
  messageBlocks: 50,
  homeBlocks: 100,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
} as const;

export function plain(text: string, max: number): types.PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

export function mrkdwn(text: string, max: number = LIMITS.sectionText): types.MrkdwnElement {
  return { type: 'mrkdwn', text: truncate(text, max) };
}

export function section(text: string): types.SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}

export function header(text: string): types.HeaderBlock {
  return { type: 'header', text: plain(text, LIMITS.headerText) };
}

export function context(texts: string[]): types.ContextBlock {
  return {
    type: 'context',
    elements: texts.slice(0, LIMITS.contextElements).map((t) => mrkdwn(t, LIMITS.contextText)),
  };
}

export function button(
  actionId: string,
  text: string,
  value: string,
  style?: 'primary' | 'danger',
): types.Button {
  return {
    type: 'button',
    action_id: actionId,
    text: plain(text, LIMITS.buttonText),
    value: value.slice(0, LIMITS.buttonValue),
    ...(style ? { style } : {}),
  };
}
