import type { Turn } from '../domain/answers.js';
import type { ChatMessage, Language, PromptPassage } from '../domain/llm.js';
import { languageName } from '../text/language.js';
import {
  countTokens,
  MESSAGE_OVERHEAD_TOKENS,
  messageTokens,
  REPLY_PRIMING_TOKENS,
  truncateToTokens,
} from '../text/tokens.js';
import { render, type Templates } from './templates.js';

export interface AnswerPromptInput {
  templates: Templates;
  question: string;
  language: Language;
  /** Retrieved passages in rank order (best first). */
  passages: Array<{ title: string; source: string; text: string }>;
  /** Conversation so far, oldest first (without the current question). */
  history: Turn[];
  /** Budget for the whole prompt, in tokens. */
  tokenBudget: number;
  /** Budget for the history part, in tokens. */
  memoryTokenBudget: number;
}

export interface BuiltPrompt {
  messages: ChatMessage[];
  /** The passages as included, numbered 1..n (the last one may be truncated). */
  passages: PromptPassage[];
  tokens: number;
}

/** A truncated passage shorter than this is noise rather than evidence: leave it out. */
const MIN_PARTIAL_TOKENS = 60;
/**
 * Counting parts apart instead of the assembled prompt: tokens can merge where two parts meet, so
 * each join is charged this margin. The sum is then an upper bound, and the whole prompt is not
 * encoded again on every question (the slowest part of prompt building).
 */
const JOIN_MARGIN = 2;
const SEPARATOR = '\n\n';
const ELLIPSIS = ' …';

/**
 * System rules, then the most recent history that fits, then one user message holding the
 * numbered passages (as escaped data inside <passage> tags) and the question. Passages are added
 * in rank order while they fit; history may use at most half of what the passages could have,
 * because evidence matters more than old turns.
 */
export function buildAnswerPrompt(input: AnswerPromptInput): BuiltPrompt {
  const { templates, question, language, tokenBudget } = input;
  const system = templates.system[language];
  const vars = { question, language_name: languageName(language) };
  const userMessage = (blocks: string[]) =>
    render(templates.user, { ...vars, passages: blocks.join(SEPARATOR) });

  const fixed = REPLY_PRIMING_TOKENS + messageTokens(system) + messageTokens(userMessage([]));
  const historyBudget = Math.min(input.memoryTokenBudget, Math.floor(Math.max(0, tokenBudget - fixed) / 2));
  const history = historyMessages(input.history, historyBudget);
  let remaining = tokenBudget - fixed - history.reduce((sum, m) => sum + messageTokens(m.content), 0);

  const included: PromptPassage[] = [];
  for (const p of input.passages) {
    const n = included.length + 1;
    const cost = countTokens(formatPassage({ ...p, n })) + countTokens(SEPARATOR) + JOIN_MARGIN;
    if (cost <= remaining) {
      included.push({ n, title: p.title, source: p.source, text: p.text });
      remaining -= cost;
      continue;
    }
    const room =
      remaining -
      countTokens(formatPassage({ ...p, n, text: ELLIPSIS })) -
      countTokens(SEPARATOR) -
      JOIN_MARGIN;
    if (room >= MIN_PARTIAL_TOKENS) {
      const partial = {
        n,
        title: p.title,
        source: p.source,
        text: truncateToTokens(p.text, room) + ELLIPSIS,
      };
      included.push(partial);
      remaining -= countTokens(formatPassage(partial)) + countTokens(SEPARATOR) + JOIN_MARGIN;
    }
    break;
  }

  const messages: ChatMessage[] = [
    { role: 'system', content: system },
    ...history,
    { role: 'user', content: userMessage(included.map(formatPassage)) },
  ];
  // An upper bound of the prompt's size (see JOIN_MARGIN): within the budget by construction.
  const tokens = tokenBudget - remaining;
  return { messages, passages: included, tokens };
}

export interface CondensePromptInput {
  templates: Templates;
  question: string;
  language: Language;
  history: Turn[];
  memoryTokenBudget: number;
}

/** One user message: the condense instructions, the recent conversation (as data) and the follow-up. */
export function buildCondensePrompt(input: CondensePromptInput): { messages: ChatMessage[]; tokens: number } {
  const lines: string[] = [];
  let used = 0;
  for (let i = input.history.length - 1; i >= 0; i--) {
    const turn = input.history[i]!;
    const line = `${speaker(turn)}: ${escapeText(turn.text)}`;
    const cost = countTokens(line) + 1;
    if (used + cost > input.memoryTokenBudget) break;
    lines.unshift(line);
    used += cost;
  }
  const content = render(input.templates.condense, {
    history: lines.join('\n'),
    question: input.question,
    language_name: languageName(input.language),
  });
  const messages: ChatMessage[] = [{ role: 'user', content }];
  return { messages, tokens: countMessages(messages) };
}

/** Passage text is data: escape what could close the tag or open a new one. */
export function formatPassage(p: PromptPassage): string {
  return `<passage n="${p.n}" source="${escapeAttr(p.source)}" title="${escapeAttr(p.title)}">\n${escapeText(p.text)}\n</passage>`;
}

function escapeText(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/\s+/g, ' ');
}

/** Most recent turns first until the budget is spent, returned oldest first. */
function historyMessages(turns: Turn[], budget: number): ChatMessage[] {
  const out: ChatMessage[] = [];
  let used = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    const message: ChatMessage =
      turn.role === 'user'
        ? { role: 'user', content: turn.text }
        : // A teammate's reply is context the assistant "said" in this thread; label it so the model knows.
          { role: 'assistant', content: turn.role === 'human' ? `(Teammate) ${turn.text}` : turn.text };
    const cost = messageTokens(message.content);
    if (used + cost > budget) break;
    out.unshift(message);
    used += cost;
  }
  return out;
}

function speaker(turn: Turn): string {
  return turn.role === 'user' ? 'User' : turn.role === 'human' ? 'Teammate' : 'Assistant';
}

function countMessages(messages: ChatMessage[]): number {
  return (
    REPLY_PRIMING_TOKENS +
    messages.reduce((sum, m) => sum + countTokens(m.content) + MESSAGE_OVERHEAD_TOKENS, 0)
  );
}
