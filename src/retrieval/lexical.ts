import MiniSearch from 'minisearch';
import type { Chunk } from '../ingest/types.js';

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

/** The shard of a file: FNV-1a of its source path. Stable across runs and processes. */
export function lexicalShardOf(source: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) {
    h ^= source.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
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

  search(query: string, k: number, filter?: (label: number) => boolean): LexicalHit[] {
    const results = this.ms.search(query, {
      boostTerm,
      ...(filter ? { filter: (r) => filter(r.id as number) } : {}),
    });
    return results.slice(0, k).map((r) => ({ label: r.id as number, score: r.score }));
  }

  /**
   * Whether a processed term occurs in a live document: a direct look-up in the term index (a
   * search would score every document with the term, thousands for a common word in a large
   * space). Same answer as an exact OR search for the term's tokens.
   */
  knows(term: string): boolean {
    const m = this.ms as unknown as MiniSearchState;
    const index = m._index as unknown as {
      get?: (t: string) => Map<number, Map<number, number>> | undefined;
    };
    if (typeof index.get !== 'function' || !(m._documentIds instanceof Map)) {
      return this.ms.search(term, { prefix: false, fuzzy: false, processTerm: (t) => t }).length > 0;
    }
    for (const token of tokenize(term)) {
      const fields = index.get(token);
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
  _index: Iterable<[string, Map<number, Map<number, number>>]>;
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

  search(query: string, k: number, filter?: (label: number) => boolean): LexicalHit[] {
    const [only] = this.shards;
    if (this.shards.length === 1 && only) return only.search(query, k, filter);
    const all: LexicalHit[] = [];
    for (const s of this.shards) all.push(...s.search(query, k, filter));
    // Stable sort: equal scores keep shard order, so results are deterministic.
    return all.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** Whether a processed term occurs anywhere in the index (exact, no prefix or fuzzy match). */
  knows(term: string): boolean {
    return this.shards.some((s) => s.knows(term));
  }
}
