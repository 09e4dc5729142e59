import type { Turn } from '../domain/answers.js';
import type {
  AnswerGenerator,
  GenerateRequest,
  GenerateResult,
  Language,
  PromptPassage,
} from '../domain/llm.js';
import { CopilotError } from '../errors.js';
import { terms, wordPieces } from '../text/text-terms.js';

/** Only the best-ranked passages are worth quoting; the rest are usually tangential. */
const MAX_PASSAGES = 5;
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
  /** Carries the kind of fact the question asks for. */
  carries: boolean;
}

/**
 * Extractive answers without a model: the sentence of the top passages that best answers the
 * question (shared terms, plus the kind of fact asked for: a duration, an amount, a yes/no rule),
 * then up to three supporting sentences in reading order, each cited. An FAQ hit answers with its
 * answer. `NO_ANSWER` when nothing overlaps.
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

/** What a question asks for, and the shape of a sentence that carries it. */
const ANSWER_KINDS: Array<{ asks: RegExp; carries: RegExp }> = [
  {
    // a duration
    asks: /\bhow (?:long|soon|many (?:days|hours|weeks|business days))\b|\bwhen\b|多久|多长时间|几天|几个工作日|什么时候|何时/iu,
    carries:
      /\d+(?:[-–]\d+)?\s*(?:business |working |calendar )?(?:days?|hours?|weeks?|months?|minutes?)\b|\d+\s*(?:个)?(?:天|小时|工作日|周|个月|分钟)|(?:周|星期)[一二三四五六日]/iu,
  },
  {
    // an amount
    asks: /\bhow much\b|\b(?:fee|cost|price|rate)s?\b|多少钱|多少|费用|运费|手续费|几个点/iu,
    carries: /[$£€¥]\s?\d|\d(?:[.,]\d+)?\s*(?:%|usd|dollars?|美元|元|英镑|欧元)|百分之/iu,
  },
  {
    // a yes/no rule
    asks: /^(?:can|may|could|is it|am i|are we|do i|do we|should)\b|能不能|可不可以|可以吗|能否|是否|能.*吗|可以.*吗/iu,
    carries:
      /\b(?:can(?:not|'t)?|may not|must|only|never|not allowed|allowed|required|prohibited)\b|不可|不能|可以|禁止|必须|只可|不得|不允许/iu,
  },
];
const MAX_FOLLOWERS = 3;

/** An FAQ chunk ("Q: …\nA: …" or "问：…答：…"): its question, for matching, and its answer. */
export function faqParts(text: string): { question: string; answer: string } | null {
  const m =
    /^\s*(?:\*\*)?(?:Q|问)\s*[:：](?:\*\*)?\s*([\s\S]+?)\s*\n\s*(?:\*\*)?(?:A|答)\s*[:：](?:\*\*)?\s*([\s\S]+)$/u.exec(
      text,
    );
  return m ? { question: (m[1] as string).trim(), answer: (m[2] as string).trim() } : null;
}

export function pickSentences(question: string, passages: PromptPassage[]): Candidate[] {
  const wanted = terms(question);
  if (wanted.size === 0) return [];
  const kinds = ANSWER_KINDS.filter((k) => k.asks.test(question.trim()));
  const overlap = (text: string): number => {
    let score = 0;
    for (const t of terms(text)) if (wanted.has(t)) score++;
    return score;
  };
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  passages.slice(0, MAX_PASSAGES).forEach((p, passage) => {
    const faq = faqParts(p.text);
    if (faq) {
      // An FAQ hit answers with its answer; the question only decides whether it is a hit.
      const score = overlap(`${faq.question} ${faq.answer}`);
      const text = sentences(faq.answer).join(' ');
      if (score > 0 && text && !seen.has(text)) {
        seen.add(text);
        candidates.push({
          text,
          n: p.n,
          passage,
          index: 0,
          score,
          carries: kinds.some((k) => k.carries.test(text)),
        });
      }
      return;
    }
    sentences(p.text).forEach((text, index) => {
      if (seen.has(text)) return;
      seen.add(text);
      const score = overlap(text);
      const carries = kinds.some((k) => k.carries.test(text));
      if (score > 0) candidates.push({ text, n: p.n, passage, index, score, carries });
    });
  });
  const best = Math.max(0, ...candidates.map((c) => c.score));
  // Only sentences at least half as relevant as the best count (a third for one that carries the
  // fact asked for): a one-word overlap next to a strong match is noise. Among them, one that carries what was asked for comes first; then more shared terms; on ties the earlier passage and sentence win.
  const relevant = candidates.filter((c) => c.score * (c.carries ? 3 : 2) >= best);
  relevant.sort(
    (a, b) =>
      Number(b.carries) - Number(a.carries) ||
      b.score - a.score ||
      a.passage - b.passage ||
      a.index - b.index,
  );
  const [first, ...rest] = relevant;
  if (!first) return [];
  // The first sentence is the answer; at most three follow in reading order.
  const followers = rest.slice(0, MAX_FOLLOWERS).sort((a, b) => a.passage - b.passage || a.index - b.index);
  return [first, ...followers];
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
