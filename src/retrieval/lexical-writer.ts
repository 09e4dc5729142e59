import { type LexicalDoc, processTerm, tokenize } from './lexical.js';

/**
 * Builds and patches one BM25 shard file without a minisearch instance: the same tokens, the same
 * statistics and the same JSON document (minisearch's serializationVersion 2, which
 * `MiniSearch.loadJSON` reads and `LexicalShard` searches), written straight from flat posting
 * lists. minisearch indexes term by term into its radix tree and a map per posting; for a build
 * that is most of the indexing CPU (14–20 s of a 100,000-chunk build, on the core the HNSW insertion
 * shares), and a one-file patch had to load a whole shard into that tree to add twenty chunks.
 * Searching stays minisearch's (`LexicalShard`); `test/unit/retrieval/lexical-writer.test.ts` checks that a
 * shard written here loads into minisearch with the same documents, statistics, postings and
 * search results as one minisearch built itself (after a vacuum, for removals).
 */

/** minisearch's field ids for our fields (`fields: ['title', 'text']`, in that order). */
const FIELD_IDS = { title: 0, text: 1 } as const;
const FIELD_COUNT = 2;

/** Documents of one term in one field, by short id (ascending), with their term frequencies. */
interface Postings {
  ids: number[];
  tfs: number[];
}

/** minisearch's serialised document (serializationVersion 2). */
interface ShardJSON {
  documentCount: number;
  nextId: number;
  documentIds: Record<string, number>;
  fieldIds: Record<string, number>;
  fieldLength: Record<string, number[]>;
  averageFieldLength: number[];
  storedFields: Record<string, unknown>;
  dirtCount: number;
  index: Array<[string, Record<string, Record<string, number>>]>;
  serializationVersion: number;
}

/** What the space writer needs of a shard it builds (add only) or patches (add and remove). */
export interface ShardWriter {
  readonly size: number;
  add(docs: readonly LexicalDoc[]): void;
  toJSON(): string;
}

/** A new shard, built from scratch (a build or a rebuild): flat posting lists per term. */
export class LexicalShardWriter implements ShardWriter {
  /** Continue from a shard file as minisearch (or this writer) wrote it: see ShardPatch. */
  static fromJSON(json: string): ShardWriter & { remove(labels: Iterable<number>): void } {
    return ShardPatch.parse(json);
  }

  private documentCount = 0;
  private nextId = 0;
  /** short id → our label (minisearch's documentIds). */
  private readonly documentIds = new Map<number, number>();
  private readonly fieldLength = new Map<number, number[]>();
  private readonly averageFieldLength: number[] = [];
  /** Processed terms by id, in first-seen order, and their ids. */
  private readonly terms: string[] = [];
  private readonly termIds = new Map<string, number>();
  /** Postings of term t in field f at `t * FIELD_COUNT + f`. */
  private readonly postings: Array<Postings | undefined> = [];
  /** Raw token → the id of its processed term (-1: a stopword), so each token costs one look-up. */
  private readonly rawTerm = new Map<string, number>();
  /** Per-field scratch: distinct raw tokens and term frequencies of the document being added. */
  private readonly seen = new Set<string>();
  private tf = new Int32Array(1024);
  private readonly touched: number[] = [];

  get size(): number {
    return this.documentCount;
  }

  /** Add documents, as minisearch's add() would (labels must not be in the shard already). */
  add(docs: readonly LexicalDoc[]): void {
    for (const doc of docs) {
      const shortId = this.nextId++;
      this.documentIds.set(shortId, doc.label);
      const count = this.documentCount++;
      const lengths: number[] = [];
      this.fieldLength.set(shortId, lengths);
      for (let field = 0; field < FIELD_COUNT; field++) {
        const { seen, touched } = this;
        seen.clear();
        touched.length = 0;
        for (const token of tokenize(field === FIELD_IDS.title ? doc.title : doc.text)) {
          seen.add(token);
          let t = this.rawTerm.get(token);
          if (t === undefined) {
            const term = processTerm(token);
            t = term ? this.termId(term) : -1;
            this.rawTerm.set(token, t);
          }
          if (t < 0) continue;
          const tf = this.tf;
          if (tf[t] === 0) touched.push(t);
          tf[t] = (tf[t] as number) + 1;
        }
        // minisearch's field length: distinct tokens before processing; a running average.
        const length = seen.size;
        lengths[field] = length;
        const avg = this.averageFieldLength[field] || 0;
        this.averageFieldLength[field] = (avg * count + length) / (count + 1);
        for (const t of touched) {
          const slot = t * FIELD_COUNT + field;
          let p = this.postings[slot];
          if (!p) {
            p = { ids: [], tfs: [] };
            this.postings[slot] = p;
          }
          p.ids.push(shortId);
          p.tfs.push(this.tf[t] as number);
          this.tf[t] = 0;
        }
      }
    }
  }

  private termId(term: string): number {
    let t = this.termIds.get(term);
    if (t === undefined) {
      t = this.terms.length;
      this.terms.push(term);
      this.termIds.set(term, t);
      if (t >= this.tf.length) {
        const grown = new Int32Array(this.tf.length * 2);
        grown.set(this.tf);
        this.tf = grown;
      }
    }
    return t;
  }

  /** The shard in minisearch's JSON format. */
  toJSON(): string {
    const ids: string[] = [];
    for (const [k, v] of this.documentIds) ids.push(`"${k}":${v}`);
    const lengths: string[] = [];
    for (const [k, v] of this.fieldLength) lengths.push(`"${k}":[${v.join(',')}]`);
    const out: string[] = [
      `{"documentCount":${this.documentCount},"nextId":${this.nextId},"documentIds":{${ids.join(',')}}`,
      `,"fieldIds":${JSON.stringify(FIELD_IDS)},"fieldLength":{${lengths.join(',')}}`,
      `,"averageFieldLength":${JSON.stringify(this.averageFieldLength)},"storedFields":{}`,
      ',"dirtCount":0,"index":[',
    ];
    let sep = '';
    for (let t = 0; t < this.terms.length; t++) {
      let entry = `${sep}[${JSON.stringify(this.terms[t])},{`;
      let fieldSep = '';
      for (let f = 0; f < FIELD_COUNT; f++) {
        const p = this.postings[t * FIELD_COUNT + f];
        if (!p) continue;
        const docs: string[] = new Array(p.ids.length);
        for (let i = 0; i < p.ids.length; i++) docs[i] = `"${p.ids[i]}":${p.tfs[i]}`;
        entry += `${fieldSep}"${f}":{${docs.join(',')}}`;
        fieldSep = ',';
      }
      out.push(`${entry}}]`);
      sep = ',';
    }
    out.push('],"serializationVersion":2}');
    return out.join('');
  }
}

/**
 * A shard file edited in place (an incremental run): the parsed JSON document itself is patched
 * and written back with JSON.stringify, so a one-file change costs a parse and a stringify of
 * the shard (no conversion of its postings). Removal deletes the documents' postings
 * (minisearch's discard followed by its vacuum); addition appends postings under new short ids.
 */
class ShardPatch implements ShardWriter {
  /** term → its entry in data.index (built on the first add). */
  private terms: Map<string, Record<string, Record<string, number>>> | null = null;
  private readonly rawTerm = new Map<string, string | null>();
  private dirty: boolean;

  private constructor(private readonly data: ShardJSON) {
    // minisearch's discard() leaves postings behind until a vacuum: drop them when writing.
    this.dirty = data.dirtCount > 0;
  }

  static parse(json: string): ShardPatch {
    const data = JSON.parse(json) as ShardJSON;
    if (
      data.serializationVersion !== 2 ||
      data.fieldIds?.title !== FIELD_IDS.title ||
      data.fieldIds?.text !== FIELD_IDS.text
    ) {
      throw new Error(
        'lexical shard: unexpected serialisation (expected minisearch v2, fields title and text)',
      );
    }
    return new ShardPatch(data);
  }

  get size(): number {
    return this.data.documentCount;
  }

  remove(labels: Iterable<number>): void {
    const wanted = new Set(labels);
    if (wanted.size === 0) return;
    const { data } = this;
    for (const shortId in data.documentIds) {
      if (!wanted.has(data.documentIds[shortId] as number)) continue;
      (data.fieldLength[shortId] ?? []).forEach((length, field) => {
        const count = data.documentCount;
        if (count === 1) data.averageFieldLength[field] = 0;
        else
          data.averageFieldLength[field] =
            ((data.averageFieldLength[field] as number) * count - length) / (count - 1);
      });
      delete data.documentIds[shortId];
      delete data.fieldLength[shortId];
      data.documentCount -= 1;
      this.dirty = true;
    }
  }

  add(docs: readonly LexicalDoc[]): void {
    const { data } = this;
    const terms = this.termMap();
    const counts = new Map<string, number>();
    for (const doc of docs) {
      const shortId = data.nextId++;
      data.documentIds[shortId] = doc.label;
      const count = data.documentCount++;
      const lengths: number[] = [];
      data.fieldLength[shortId] = lengths;
      for (let field = 0; field < FIELD_COUNT; field++) {
        const tokens = tokenize(field === FIELD_IDS.title ? doc.title : doc.text);
        const length = new Set(tokens).size;
        lengths[field] = length;
        const avg = data.averageFieldLength[field] || 0;
        data.averageFieldLength[field] = (avg * count + length) / (count + 1);
        counts.clear();
        for (const token of tokens) {
          let term = this.rawTerm.get(token);
          if (term === undefined) {
            term = processTerm(token);
            this.rawTerm.set(token, term);
          }
          if (term) counts.set(term, (counts.get(term) ?? 0) + 1);
        }
        for (const [term, tf] of counts) {
          let fields = terms.get(term);
          if (!fields) {
            fields = {};
            terms.set(term, fields);
            data.index.push([term, fields]);
          }
          const docsOf = fields[field] ?? {};
          fields[field] = docsOf;
          docsOf[shortId] = tf;
        }
      }
    }
  }

  private termMap(): Map<string, Record<string, Record<string, number>>> {
    this.terms ??= new Map(this.data.index);
    return this.terms;
  }

  toJSON(): string {
    const { data } = this;
    if (this.dirty) {
      // minisearch's vacuum: postings of documents that are gone, then fields and terms left empty.
      const live = data.documentIds;
      data.index = data.index.filter(([, fields]) => {
        let any = false;
        for (const field in fields) {
          const docsOf = fields[field] as Record<string, number>;
          let kept = false;
          for (const id in docsOf) {
            if (id in live) kept = true;
            else delete docsOf[id];
          }
          if (kept) any = true;
          else delete fields[field];
        }
        return any;
      });
      this.terms = null;
      this.dirty = false;
    }
    data.dirtCount = 0;
    return JSON.stringify(data);
  }
}
