import MiniSearch from 'minisearch';

/**
 * BM25 beside the vectors, so exact terms (SKUs, order ids, policy names) are found.
 * minisearch does the BM25; the tokenizer is ours: Intl.Segmenter splits Chinese into words
 * (and English too). Pure-Latin text takes a regex fast path that yields the same tokens for
 * ordinary words, because the segmenter dominates build time on large corpora.
 */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;
const LATIN_WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

export function tokenize(text: string): string[] {
  if (!CJK.test(text)) return text.match(LATIN_WORD) ?? [];
  const out: string[] = [];
  for (const s of segmenter.segment(text)) if (s.isWordLike) out.push(s.segment);
  return out;
}

const STOP = new Set(
  'a an and are as at be but by can do does for from has have how i if in is it my of on or our so that the their them then there these they this to was we what when where which who why will with you your'.split(
    ' ',
  ),
);

/** Lowercase + a light plural/suffix fold so "refunds"/"refunded" meet "refund". */
export function processTerm(term: string): string | null {
  const t = term.toLowerCase().replace(/’/g, "'");
  if (STOP.has(t)) return null;
  if (t.length <= 3 || CJK.test(t)) return t;
  if (t.endsWith("'s")) return t.slice(0, -2);
  if (t.endsWith('ies') && t.length > 4) return `${t.slice(0, -3)}y`;
  if (t.endsWith('ing') && t.length > 5) return t.slice(0, -3);
  if (t.endsWith('ed') && t.length > 4) return t.slice(0, -2);
  if (t.endsWith('es') && /(sh|ch|x|ss)es$/.test(t)) return t.slice(0, -2);
  if (t.endsWith('s') && !t.endsWith('ss')) return t.slice(0, -1);
  return t;
}

interface LexDoc {
  id: number;
  title: string;
  text: string;
}

const OPTIONS = {
  fields: ['title', 'text'],
  storeFields: [],
  tokenize,
  processTerm,
  searchOptions: { boost: { title: 1.5 }, combineWith: 'OR' as const },
};

export interface LexicalHit {
  label: number;
  score: number;
}

export class LexicalIndex {
  private constructor(private readonly ms: MiniSearch<LexDoc>) {}

  static create(): LexicalIndex {
    return new LexicalIndex(new MiniSearch<LexDoc>(OPTIONS));
  }

  static fromJSON(json: string): LexicalIndex {
    return new LexicalIndex(MiniSearch.loadJSON<LexDoc>(json, OPTIONS));
  }

  add(label: number, title: string, text: string): void {
    this.ms.add({ id: label, title, text });
  }

  addAll(docs: Array<{ label: number; title: string; text: string }>): void {
    this.ms.addAll(docs.map((d) => ({ id: d.label, title: d.title, text: d.text })));
  }

  remove(label: number): void {
    if (this.ms.has(label)) this.ms.discard(label);
  }

  get size(): number {
    return this.ms.documentCount;
  }

  search(query: string, k: number, filter?: (label: number) => boolean): LexicalHit[] {
    const results = this.ms.search(query, {
      // Codes (KETTLE20, hp-ket-200, order ids) are what the user is really asking about.
      boostTerm: (term) => (/\p{N}/u.test(term) && /\p{L}/u.test(term) ? 3 : 1),
      ...(filter ? { filter: (r) => filter(r.id as number) } : {}),
    });
    return results.slice(0, k).map((r) => ({ label: r.id as number, score: r.score }));
  }

  /** Whether a processed term occurs anywhere in the index (exact, no prefix or fuzzy match). */
  knows(term: string): boolean {
    return this.ms.search(term, { prefix: false, fuzzy: false, processTerm: (t) => t }).length > 0;
  }

  toJSON(): string {
    return JSON.stringify(this.ms);
  }
}
