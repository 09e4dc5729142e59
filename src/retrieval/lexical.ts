import MiniSearch from 'minisearch';
import type { Chunk } from '../domain/documents.js';

/**
 * BM25 beside the vectors, so exact terms (SKUs, order ids, policy names) are found.
 * minisearch does the BM25; the tokenizer is ours: Intl.Segmenter splits Chinese into words
 * (and English too). Pure-Latin text takes a regex fast path that yields the same tokens for
 * ordinary words, because the segmenter dominates build time on large corpora.
 *
 * A space's lexical index is split into shards by hash(source) (every chunk of a file lives in
 * one shard), so an incremental update rewrites only the shards of the files that changed.
 * Small spaces have one shard, so their BM25 statistics are those of the whole space; large
 * ones have about one shard per LEXICAL_SHARD_TARGET chunks, where per-shard statistics are
 * already stable. A search asks every shard and merges by score.
 */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;
const LATIN_WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

const HAN_RUN = /\p{Script=Han}+/gu;
const HAN_RUN_TEST = /^\p{Script=Han}$/u;
/** Particles and pronouns: as single characters they match nearly every chunk (their bigrams stay). */
const HAN_STOP = new Set([...'的了是在我你他她它们吗呢吧啊和与及或也都就这那有个么之着过把被请问']);

/**
 * Words, and for Chinese also every character and character bigram of each Han run: the segmenter
 * splits a paraphrase ("多久到账" / "到账时间") differently from the document, the n-grams still meet.
 */
export function tokenize(text: string): string[] {
  if (!CJK.test(text)) return text.match(LATIN_WORD) ?? [];
  const out: string[] = [];
  for (const s of segmenter.segment(text)) {
    // A one-character Chinese word is also a unigram below (or a particle left out there).
    if (s.isWordLike && !(s.segment.length === 1 && HAN_RUN_TEST.test(s.segment))) out.push(s.segment);
  }
  for (const run of text.match(HAN_RUN) ?? []) {
    for (let i = 0; i < run.length; i++) {
      const c = run[i] as string;
      if (!HAN_STOP.has(c)) out.push(c);
      if (i + 1 < run.length) out.push(run.slice(i, i + 2));
    }
  }
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

/** What BM25 sees of a chunk: heading path and passage (the title is its own field). */
export function lexicalText(chunk: Pick<Chunk, 'headingPath' | 'text'>): string {
  return chunk.headingPath?.length ? `${chunk.headingPath.join(' ')}\n${chunk.text}` : chunk.text;
}

/** About this many chunks per shard in a large space. */
export const LEXICAL_SHARD_TARGET = 2_500;

/** Shard count for a space of `chunks` chunks (fixed at a full build, kept by incremental ones). */
export function lexicalShardCount(chunks: number, target = LEXICAL_SHARD_TARGET): number {
  return Math.max(1, Math.round(chunks / Math.max(1, target)));
}

/** FNV-1a of a file's source path (32 bits). Stable across runs and processes. */
export function sourceHash(source: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) {
    h ^= source.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shard of a file, from its source hash. */
export function lexicalShardOf(source: string, shards: number): number {
  return shards <= 1 ? 0 : sourceHash(source) % shards;
}

/** File name of shard `i` inside a space directory. */
export const lexicalShardFile = (i: number): string => `lexical-${i}.json`;

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

export interface LexicalDoc {
  label: number;
  title: string;
  text: string;
}

/** Codes (KETTLE20, hp-ket-200, order ids) are what the user is really asking about. */
const boostTerm = (term: string) => (/\p{N}/u.test(term) && /\p{L}/u.test(term) ? 3 : 1);

/** One minisearch index: a whole small space, or one shard of a large one. */
export class LexicalShard {
  private internals: MiniSearchState | null | undefined;

  private constructor(private readonly ms: MiniSearch<LexDoc>) {}

  static create(): LexicalShard {
    return new LexicalShard(new MiniSearch<LexDoc>(OPTIONS));
  }

  static fromJSON(json: string): LexicalShard {
    return new LexicalShard(MiniSearch.loadJSON<LexDoc>(json, OPTIONS));
  }

  addAll(docs: LexicalDoc[]): void {
    this.ms.addAll(docs.map((d) => ({ id: d.label, title: d.title, text: d.text })));
  }

  remove(label: number): void {
    if (this.ms.has(label)) this.ms.discard(label);
  }

  get size(): number {
    return this.ms.documentCount;
  }

  /**
   * BM25 over the query's terms. With `common` (terms too frequent to enumerate, see
   * LexicalIndex.search), only chunks with at least one other term are candidates, and the
   * common terms add their BM25 share to those candidates alone.
   */
  search(
    query: string,
    k: number,
    filter?: (label: number) => boolean,
    common?: ReadonlySet<string>,
  ): LexicalHit[] {
    const results = this.ms.search(query, {
      boostTerm,
      ...(common?.size
        ? {
            processTerm: (t: string) => {
              const p = processTerm(t);
              return p && !common.has(p) ? p : null;
            },
          }
        : {}),
      ...(filter ? { filter: (r) => filter(r.id as number) } : {}),
    });
    if (!common?.size) return results.slice(0, k).map((r) => ({ label: r.id as number, score: r.score }));
    const state = this.state();
    const terms = [...common];
    return results
      .map((r) => {
        const id = state?._idToShortId.get(r.id);
        if (id === undefined) return { label: r.id as number, score: r.score };
        // minisearch multiplies the summed BM25 by the number of query terms a chunk matched.
        const matched = r.queryTerms.length || 1;
        const extra = this.bm25(id, terms);
        return {
          label: r.id as number,
          score: (r.score / matched + extra.score) * (matched + extra.matched),
        };
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  /**
   * A query made only of common terms: the chunks that have all of them (walked from the rarest
   * term's postings), scored by BM25 as minisearch would. Empty when none has them all.
   */
  searchAll(terms: readonly string[], k: number, filter?: (label: number) => boolean): LexicalHit[] {
    const state = this.state();
    if (!state) return this.search(terms.join(' '), k, filter);
    const postings = terms.map((t) => ({ term: t, fields: state._index.get(t) }));
    if (postings.some((p) => !p.fields)) return [];
    postings.sort((a, b) => postingCount(a.fields) - postingCount(b.fields));
    const [first, ...rest] = postings;
    const candidates = new Set<number>();
    for (const docs of first?.fields?.values() ?? []) for (const id of docs.keys()) candidates.add(id);
    const hits: LexicalHit[] = [];
    for (const id of candidates) {
      if (!rest.every((p) => hasDoc(p.fields, id))) continue;
      const label = state._documentIds.get(id) as number | undefined;
      if (label === undefined || (filter && !filter(label))) continue;
      const { score, matched } = this.bm25(id, terms);
      hits.push({ label, score: score * (matched || 1) });
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** How many chunks of this shard contain a processed term (in any field; postings of removed ones included). */
  documentFrequency(term: string): number {
    const fields = this.state()?._index.get(term);
    return fields ? postingCount(fields) : this.ms.search(term, { processTerm: (t) => t }).length;
  }

  /**
   * minisearch's BM25 (same parameters, field boosts and term boosts) of `terms` for one chunk,
   * summed, and how many of the terms the chunk has.
   */
  private bm25(shortId: number, terms: readonly string[]): { score: number; matched: number } {
    const state = this.state() as MiniSearchState;
    const lengths = state._fieldLength.get(shortId) as number[] | undefined;
    let score = 0;
    let matched = 0;
    if (!lengths) return { score, matched };
    for (const term of terms) {
      const fields = state._index.get(term);
      if (!fields) continue;
      if (hasDoc(fields, shortId)) matched++;
      for (const [field, boost] of FIELD_BOOSTS) {
        const fieldId = state._fieldIds[field] as number;
        const docs = fields.get(fieldId);
        const tf = docs?.get(shortId);
        if (!docs || !tf) continue;
        const { k: k1, b, d } = BM25;
        const idf = Math.log(1 + (state._documentCount - docs.size + 0.5) / (docs.size + 0.5));
        const norm = 1 - b + (b * (lengths[fieldId] ?? 0)) / (state._avgFieldLength[fieldId] || 1);
        score += boostTerm(term) * boost * idf * (d + (tf * (k1 + 1)) / (tf + k1 * norm));
      }
    }
    return { score, matched };
  }

  /** minisearch's internals when they have the expected shape (minisearch 7), else null. */
  private state(): MiniSearchState | null {
    // Checked once per shard: it is asked for every result of every query.
    if (this.internals === undefined) {
      const m = this.ms as unknown as MiniSearchState;
      this.internals =
        typeof m._index?.get === 'function' &&
        m._documentIds instanceof Map &&
        m._idToShortId instanceof Map &&
        m._fieldLength instanceof Map
          ? m
          : null;
    }
    return this.internals;
  }

  /**
   * Whether a processed term occurs in a live document: a direct look-up in the term index (a
   * search would score every document with the term, thousands for a common word in a large
   * space). Same answer as an exact OR search for the term's tokens.
   */
  knows(term: string): boolean {
    const m = this.state();
    if (!m) return this.ms.search(term, { prefix: false, fuzzy: false, processTerm: (t) => t }).length > 0;
    for (const token of tokenize(term)) {
      const fields = m._index.get(token);
      if (!fields) continue;
      // Discarded documents leave their postings until a vacuum: only live ones count.
      for (const docs of fields.values())
        for (const id of docs.keys()) if (m._documentIds.has(id)) return true;
    }
    return false;
  }

  /** minisearch's JSON format (loadJSON reads it), written without its intermediate objects. */
  toJSON(): string {
    return serialize(this.ms);
  }
}

/** The minisearch 7 fields its own toJSON() serialises (serializationVersion 2). */
interface MiniSearchState {
  _documentCount: number;
  _nextId: number;
  _documentIds: Map<number, unknown>;
  _fieldIds: Record<string, number>;
  _fieldLength: Map<number, unknown>;
  _avgFieldLength: number[];
  _storedFields: Map<number, unknown>;
  _dirtCount: number;
  _idToShortId: Map<unknown, number>;
  _index: Iterable<[string, Map<number, Map<number, number>>]> & {
    get(term: string): Map<number, Map<number, number>> | undefined;
  };
}

/** minisearch's defaults, and our field boosts (OPTIONS.searchOptions.boost). */
const BM25 = { k: 1.2, b: 0.7, d: 0.5 };
const FIELD_BOOSTS: ReadonlyArray<[string, number]> = [
  ['title', 1.5],
  ['text', 1],
];

/** Chunks with the term in any field: the largest field's posting list (a lower bound of the union). */
function postingCount(fields: Map<number, Map<number, number>> | undefined): number {
  let n = 0;
  for (const docs of fields?.values() ?? []) n = Math.max(n, docs.size);
  return n;
}

function hasDoc(fields: Map<number, Map<number, number>> | undefined, id: number): boolean {
  for (const docs of fields?.values() ?? []) if (docs.has(id)) return true;
  return false;
}

function mapJSON(map: Map<number, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of map) parts.push(`"${k}":${JSON.stringify(v)}`);
  return `{${parts.join(',')}}`;
}

/**
 * JSON.stringify(minisearch) builds an object per term and per field (Object.fromEntries) before
 * stringifying them; this writes the same document straight from the index's maps, about twice
 * as fast, which is most of the cost of rewriting a shard. Falls back to minisearch's own
 * toJSON() if its internals ever differ.
 */
function serialize(ms: MiniSearch<LexDoc>): string {
  const m = ms as unknown as MiniSearchState;
  if (
    !(m._documentIds instanceof Map && m._fieldLength instanceof Map && m._storedFields instanceof Map) ||
    typeof m._index?.[Symbol.iterator] !== 'function' ||
    typeof m._documentCount !== 'number' ||
    typeof m._dirtCount !== 'number'
  ) {
    return JSON.stringify(ms);
  }
  const out: string[] = [
    `{"documentCount":${m._documentCount},"nextId":${m._nextId},"documentIds":${mapJSON(m._documentIds)}`,
    `,"fieldIds":${JSON.stringify(m._fieldIds)},"fieldLength":${mapJSON(m._fieldLength)}`,
    `,"averageFieldLength":${JSON.stringify(m._avgFieldLength)},"storedFields":${mapJSON(m._storedFields)}`,
    `,"dirtCount":${m._dirtCount},"index":[`,
  ];
  let sep = '';
  for (const [term, fields] of m._index) {
    let entry = `${sep}[${JSON.stringify(term)},{`;
    let fieldSep = '';
    for (const [fieldId, freqs] of fields) {
      entry += `${fieldSep}"${fieldId}":{`;
      let docSep = '';
      for (const [doc, freq] of freqs) {
        entry += `${docSep}"${doc}":${freq}`;
        docSep = ',';
      }
      entry += '}';
      fieldSep = ',';
    }
    out.push(`${entry}}]`);
    sep = ',';
  }
  out.push('],"serializationVersion":2}');
  return out.join('');
}

/** A space's BM25 index: its shards, searched together. */
export class LexicalIndex {
  constructor(readonly shards: readonly LexicalShard[]) {
    if (shards.length === 0) throw new Error('a lexical index needs at least one shard');
  }

  static create(): LexicalIndex {
    return new LexicalIndex([LexicalShard.create()]);
  }

  /** One shard per JSON string (as written by LexicalShard.toJSON). */
  static fromJSON(...shards: string[]): LexicalIndex {
    return new LexicalIndex(shards.map((json) => LexicalShard.fromJSON(json)));
  }

  get size(): number {
    let n = 0;
    for (const s of this.shards) n += s.size;
    return n;
  }

  /**
   * BM25 over every shard, merged by score. In a large space, a query term found in more than
   * COMMON_TERM_SHARE of its chunks ("policy", "order" in a big shop's knowledge) is not
   * enumerated: minisearch would score every one of those chunks, tens of thousands, to rank by
   * a term that says little. Such terms only add their score to the chunks the question's rarer
   * terms find; a question made only of common terms finds the chunks that have all of them (or,
   * when none has, those of its rarest term).
   * This is Elasticsearch's "common terms" query (cutoff_frequency). Small spaces score every
   * match, as plain BM25 does.
   */
  search(query: string, k: number, filter?: (label: number) => boolean): LexicalHit[] {
    const common = this.commonTerms(query);
    if (!common) return this.merge((s) => s.search(query, k, filter), k);
    if (common.rare > 0) return this.merge((s) => s.search(query, k, filter, common.terms), k);
    const all = this.merge((s) => s.searchAll([...common.terms], k, filter), k);
    // No chunk has every common term: rank the chunks of the rarest one.
    return all.length ? all : this.merge((s) => s.searchAll([common.rarest], k, filter), k);
  }

  private merge(run: (shard: LexicalShard) => LexicalHit[], k: number): LexicalHit[] {
    const [only] = this.shards;
    if (this.shards.length === 1 && only) return run(only);
    const all: LexicalHit[] = [];
    for (const s of this.shards) all.push(...run(s));
    // Stable sort: equal scores keep shard order, so results are deterministic.
    return all.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** Whether a processed term occurs anywhere in the index (exact, no prefix or fuzzy match). */
  knows(term: string): boolean {
    return this.shards.some((s) => s.knows(term));
  }

  /** Chunks containing a processed term, over all shards. */
  documentFrequency(term: string): number {
    let n = 0;
    for (const s of this.shards) n += s.documentFrequency(term);
    return n;
  }

  /** The query's common terms and how many rarer ones it has; null when nothing is common. */
  private commonTerms(query: string): { terms: Set<string>; rare: number; rarest: string } | null {
    const size = this.size;
    if (size < COMMON_TERMS_MIN_DOCS) return null;
    const terms = new Set<string>();
    for (const token of tokenize(query)) {
      const t = processTerm(token);
      if (t) terms.add(t);
    }
    const limit = COMMON_TERM_SHARE * size;
    const common = new Set<string>();
    let rarest = '';
    let rarestDf = Number.POSITIVE_INFINITY;
    let rare = 0;
    for (const t of terms) {
      const df = this.documentFrequency(t);
      if (df > limit) {
        common.add(t);
        if (df < rarestDf) [rarest, rarestDf] = [t, df];
      } else if (df > 0) rare++; // a term no chunk has finds nothing: it is neither
    }
    return common.size ? { terms: common, rare, rarest } : null;
  }
}

/** Spaces with fewer chunks than this score every match (cheap there, and plain BM25). */
export const COMMON_TERMS_MIN_DOCS = 5_000;
/** A term in more than this share of a large space's chunks is common (see LexicalIndex.search). */
export const COMMON_TERM_SHARE = 0.01;
