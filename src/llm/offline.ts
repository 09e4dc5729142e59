import { CopilotError } from '../errors.js';
import type { Turn } from '../memory/types.js';
import { terms, wordPieces } from './text-terms.js';
import type { AnswerGenerator, GenerateRequest, GenerateResult, Language, PromptPassage } from './types.js';

/** Only the best-ranked passages are worth quoting; the rest are usually tangential. */
const MAX_PASSAGES = 5;
const MAX_SENTENCES = 4;
const MAX_SENTENCE_CHARS = 500;
const LEAD_IN: Record<Language, string> = {
  en: 'Here is what our knowledge base says:',
  zh: '根据知识库：',
};

interface Candidate {
  text: string;
  n: number;
  passage: number;
  index: number;
  score: number;
}

/**
 * Extractive answers without a model: the sentences of the top passages that share
 * the most terms with the question, each cited, in reading order. `NO_ANSWER` when nothing overlaps.
 */
export function createOfflineGenerator(): AnswerGenerator {
  return {
    id: 'offline',
    model: 'extractive',
    async generate(req: GenerateRequest, onToken: (text: string) => void): Promise<GenerateResult> {
      const picked = pickSentences(req.question, req.passages);
      if (picked.length === 0) return { text: 'NO_ANSWER' };
      const body = picked.map((c) => `${c.text}${/[。！？]$/u.test(c.text) ? '' : ' '}[${c.n}]`).join(' ');
      const text = `${LEAD_IN[req.language]}\n\n${body}`;
      for (const piece of wordPieces(text)) {
        if (req.signal?.aborted) {
          throw new CopilotError('llm:timeout', 'The answer was cancelled.', {
            hint: 'Ask again when ready.',
          });
        }
        onToken(piece);
      }
      return { text };
    },
    async condense(question: string, history: Turn[], language: Language): Promise<string> {
      return condenseHeuristic(question, history, language);
    },
  };
}

export function pickSentences(question: string, passages: PromptPassage[]): Candidate[] {
  const wanted = terms(question);
  if (wanted.size === 0) return [];
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  passages.slice(0, MAX_PASSAGES).forEach((p, passage) => {
    sentences(p.text).forEach((text, index) => {
      if (seen.has(text)) return;
      seen.add(text);
      let score = 0;
      for (const t of terms(text)) if (wanted.has(t)) score++;
      if (score > 0) candidates.push({ text, n: p.n, passage, index, score });
    });
  });
  // Best first; on ties the earlier (better-ranked) passage and sentence win.
  candidates.sort((a, b) => b.score - a.score || a.passage - b.passage || a.index - b.index);
  const best = candidates[0]?.score ?? 0;
  // Up to four, each at least half as relevant as the best: a one-word overlap next to a strong match is noise.
  const picked = candidates.filter((c) => c.score * 2 >= best).slice(0, MAX_SENTENCES);
  return picked.sort((a, b) => a.passage - b.passage || a.index - b.index);
}

/** Sentences of a passage, skipping headings and rules; English and Chinese punctuation. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const raw of joinSoftWraps(text)) {
    const line = raw.trim().replace(/^(?:[-*+•]\s+|\d+[.)]\s+|>\s*)/u, '');
    if (line === '' || /^#{1,6}\s/.test(raw.trim()) || /^[-*_=|:\s]{3,}$/.test(line)) continue;
    for (const s of line.split(/(?<=[.!?])\s+(?=[^a-z])|(?<=[。！？])/u)) {
      const sentence = s.trim();
      if (sentence.length < 2) continue;
      out.push(sentence.length > MAX_SENTENCE_CHARS ? `${sentence.slice(0, MAX_SENTENCE_CHARS)}…` : sentence);
    }
  }
  return out;
}

/**
 * Knowledge files are often hard-wrapped: a sentence runs over several lines. Join the lines of a
 * paragraph, but keep list items, table rows, quotes and headings on their own.
 */
function joinSoftWraps(text: string): string[] {
  const lines: string[] = [];
  let joinable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') {
      joinable = false;
      continue;
    }
    const starts = /^(?:[-*+•]\s|\d+[.)]\s|>|\||#{1,6}\s)/u.test(line);
    if (joinable && !starts && lines.length > 0) {
      const prev = lines[lines.length - 1] as string;
      lines[lines.length - 1] = /[\u3400-\u9fff]$/u.test(prev) ? prev + line : `${prev} ${line}`;
    } else {
      lines.push(line);
    }
    joinable = !/^(?:\||#{1,6}\s)/.test(line);
  }
  return lines;
}

const EN_FOLLOW_UP =
  /^(?:and|also|what about|how about|what if|for the|for that|for those|same for|then|but|or)\b/i;
const EN_REFERENCE = /\b(?:it|its|that|those|this|these|they|them|their|one|ones)\b/i;
const ZH_FOLLOW_UP = /^(?:那|那么|还有|另外|此外|再|也)|呢[？?。.!！]*$|它|这个|那个|这些|那些|这样|那样/u;

/**
 * Offline condensing: a follow-up ("and for EU orders?", "那退款呢？") is joined to the last user
 * question so retrieval sees both the topic and the new detail; anything else is unchanged.
 */
export function condenseHeuristic(question: string, history: Turn[], language: Language): string {
  const q = question.trim();
  const previous = history
    .filter((t) => t.role === 'user' && t.text.trim() !== q)
    .at(-1)
    ?.text.trim();
  if (!previous) return q;
  const hanCount = q.match(/\p{Script=Han}/gu)?.length ?? 0;
  const short = language === 'zh' ? hanCount <= 4 : q.split(/\s+/).length <= 3;
  const followUp = short || EN_FOLLOW_UP.test(q) || EN_REFERENCE.test(q) || ZH_FOLLOW_UP.test(q);
  return followUp ? `${previous} — ${q}` : q;
}
