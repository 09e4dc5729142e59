import type { ChatMessage, Language } from '../domain/llm.js';
import { languageName } from '../text/language.js';
import { countTokens, truncateToTokens } from '../text/tokens.js';
import { formatPassage } from './builder.js';
import { render } from './templates.js';

export interface GapDraftPromptInput {
  /** The gap-draft.md template (Templates.gapDraft). */
  template: string;
  language: Language;
  question: string;
  /** Other wordings of the same question. */
  examples: string[];
  /** Teammates' replies on tickets of these questions, newest first. */
  replies: Array<{ by: string; text: string }>;
  /** Passages that were retrieved for these questions (they were not enough on their own). */
  passages: Array<{ title: string; source: string; text: string }>;
  /** Budget for the replies and passages together, in tokens. Default 2500. */
  tokenBudget?: number;
}

const ELLIPSIS = ' …';

/** Text inside tags is data: escape what could close the tag or open a new one. */
function escapeText(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * One user message asking for a draft answer to a knowledge gap: the question, its variants, the
 * teammates' replies (first: they are what the team actually said) and the passages, each escaped
 * as data and added in order while they fit the budget. Pure.
 */
export function buildGapDraftPrompt(input: GapDraftPromptInput): { messages: ChatMessage[]; tokens: number } {
  let remaining = input.tokenBudget ?? 2500;
  const take = (text: string): string | null => {
    if (remaining <= 20) return null;
    const cost = countTokens(text) + 2;
    if (cost <= remaining) {
      remaining -= cost;
      return text;
    }
    const cut = truncateToTokens(text, remaining - 4) + ELLIPSIS;
    remaining = 0;
    return cut;
  };
  const replies: string[] = [];
  for (const r of input.replies) {
    const line = take(
      `<reply by="${escapeText(r.by).replace(/"/g, '&quot;')}">\n${escapeText(r.text)}\n</reply>`,
    );
    if (line === null) break;
    replies.push(line);
  }
  const passages: string[] = [];
  for (const [i, p] of input.passages.entries()) {
    const block = take(formatPassage({ n: i + 1, title: p.title, source: p.source, text: p.text }));
    if (block === null) break;
    passages.push(block);
  }
  const question = escapeText(input.question.trim());
  const examples = input.examples
    .map((e) => e.trim())
    .filter((e) => e && e !== input.question.trim())
    .map((e) => `- ${escapeText(e)}`);
  const content = render(input.template, {
    question,
    examples: examples.join('\n') || '(none)',
    replies: replies.join('\n') || '(no teammate has replied yet)',
    passages: passages.join('\n\n') || '(nothing relevant was found)',
    language_name: languageName(input.language),
  });
  const messages: ChatMessage[] = [{ role: 'user', content }];
  return { messages, tokens: countTokens(content) };
}
