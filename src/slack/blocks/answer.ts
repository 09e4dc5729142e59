import type { types } from '@slack/bolt';
import type { Decision, SourceRef } from '../../domain/answers.js';
import { escapeMrkdwn, oneLine, stripPings, truncate } from '../text.js';
import { ACTION } from './ids.js';
import { button, context, LIMITS } from './limits.js';

export interface AnswerBlocksInput {
  /** Absent when the pipeline failed before naming the answer: then only "ask a human" is offered. */
  answerId?: string;
  sources: SourceRef[];
  decision: Decision;
  /** Carried in the ask-human button, so a ticket can be made even without a stored answer. */
  question?: string;
  /** The pipeline already handed this question to a teammate (no second "ask a human" button). */
  handedOff?: boolean;
}

/** What the `copilot_ask_human` button carries (JSON, ≤ 2000 chars). */
export interface AskHumanValue {
  answerId?: string;
  question?: string;
}

export function encodeAskHumanValue(value: AskHumanValue): string {
  const base = JSON.stringify({ answerId: value.answerId });
  if (!value.question) return base;
  // Leave room for the JSON around the question; escaping can grow it, so shrink until it fits.
  let question = truncate(stripPings(value.question), LIMITS.buttonValue - base.length - 20);
  let out = JSON.stringify({ answerId: value.answerId, question });
  while (out.length > LIMITS.buttonValue && question.length > 0) {
    question = truncate(question, Math.floor(question.length * 0.8));
    out = JSON.stringify({ answerId: value.answerId, question });
  }
  return out;
}

export function decodeAskHumanValue(raw: string | undefined): AskHumanValue {
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const o = parsed as Record<string, unknown>;
    return {
      ...(typeof o.answerId === 'string' ? { answerId: o.answerId } : {}),
      ...(typeof o.question === 'string' ? { question: o.question } : {}),
    };
  } catch {
    // Older buttons carried the bare answer id.
    return { answerId: raw };
  }
}

/**
 * " · updated 3 days ago" as a Slack date token: the client renders `{ago}` relative to when the
 * message is read, so an old answer never claims a stale "today". The fallback is the plain date.
 */
export function updatedToken(iso: string | undefined): string {
  const t = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(t)) return '';
  return ` · <!date^${Math.floor(t / 1000)}^updated {ago}|updated ${new Date(t).toISOString().slice(0, 10)}>`;
}

/** One context line per source, `[n] Title › Heading, p. 3`; the tenth says how many more. */
export function buildSourcesBlock(sources: SourceRef[]): types.ContextBlock | null {
  if (sources.length === 0) return null;
  const max = LIMITS.contextElements;
  const shown = sources.length > max ? sources.slice(0, max - 1) : sources;
  const lines = shown.map((s) => {
    const where = [s.headingPath?.length ? s.headingPath.join(' › ') : '', s.page ? `p. ${s.page}` : '']
      .filter(Boolean)
      .join(', ');
    const label = oneLine(`${s.title || s.source}${where ? ` — ${where}` : ''}`);
    const text = escapeMrkdwn(truncate(label, 150));
    // A synced page links to where it lives; `<`, `>` and `|` would end Slack's link syntax early.
    const link = s.url ? s.url.replace(/[<>|]/g, (c) => encodeURIComponent(c)) : undefined;
    return `*[${s.n}]* ${link ? `<${link}|${text.replace(/\|/g, '¦')}>` : text}${updatedToken(s.updatedAt)}`;
  });
  if (sources.length > shown.length) lines.push(`+${sources.length - shown.length} more`);
  return context(lines);
}

/**
 * The end of every answer: the sources, then the three fixed buttons
 * (`copilot_feedback_up`, `copilot_feedback_down`, `copilot_ask_human`); after a handoff, the
 * note that a teammate will reply instead of the buttons.
 */
export function buildAnswerBlocks(input: AnswerBlocksInput): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [];
  const sources = buildSourcesBlock(input.sources);
  if (sources) blocks.push(sources);
  if (input.handedOff) {
    blocks.push(
      context([':raising_hand: A teammate has been asked to help. They will reply in this thread.']),
    );
  }
  const elements: types.Button[] = [];
  // Once handed to a teammate there is no answer to rate ("I've asked a teammate" is not one) and
  // no human left to ask: the message ends with the note alone.
  if (input.answerId && !input.handedOff) {
    elements.push(button(ACTION.feedbackUp, '👍 Helpful', input.answerId));
    elements.push(button(ACTION.feedbackDown, '👎 Not helpful', input.answerId));
  }
  if (!input.handedOff) {
    elements.push(
      button(
        ACTION.askHuman,
        '🙋 Ask a human',
        encodeAskHumanValue({
          ...(input.answerId ? { answerId: input.answerId } : {}),
          ...(input.question ? { question: input.question } : {}),
        }),
      ),
    );
  }
  if (elements.length > 0) {
    // block_id must be unique per message iteration; the answer id makes it so.
    blocks.push({ type: 'actions', block_id: `copilot_answer_${input.answerId ?? 'none'}`, elements });
  }
  return blocks;
}
