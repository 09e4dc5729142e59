import type MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/bench/corpus.js';
import { type LexicalDoc, LexicalShard } from '../../../src/retrieval/lexical.js';
import { LexicalShardWriter } from '../../../src/retrieval/lexical-writer.js';

/** Random documents over a small mixed vocabulary: repeats, plurals, codes, Chinese, empty titles. */
function randomDocs(seed: number, n: number, firstLabel = 0): LexicalDoc[] {
  const rand = mulberry32(seed);
  const words = [
    'refund',
    'refunds',
    'refunded',
    'kettle',
    'kettles',
    'the',
    'order',
    'ordering',
    'KETTLE20',
    'BZ-2024-000042',
    'days',
    'warranty',
    'policies',
    "customer's",
    '退款',
    '七天无理由退货',
    '到账时间多久',
    'a',
    'of',
    'Shipping',
    'express',
  ];
  const pick = () => words[Math.floor(rand() * words.length)] as string;
  return Array.from({ length: n }, (_, i) => ({
    label: firstLabel + i * 7,
    title: rand() < 0.2 ? '' : Array.from({ length: 1 + Math.floor(rand() * 3) }, pick).join(' '),
    text: Array.from({ length: Math.floor(rand() * 40) }, pick).join(rand() < 0.5 ? ' ' : '，'),
  }));
}

interface State {
  _documentCount: number;
  _nextId: number;
  _documentIds: Map<number, number>;
  _fieldLength: Map<number, number[]>;
  _avgFieldLength: number[];
  _index: Iterable<[string, Map<number, Map<number, number>>]>;
}

/** minisearch's state, with postings as sorted plain data (field and map order do not matter). */
function snapshot(shard: LexicalShard) {
  const m = (shard as unknown as { ms: MiniSearch }).ms as unknown as State;
  const index: Record<string, Record<number, Array<[number, number]>>> = {};
  for (const [term, fields] of m._index) {
    const entry: Record<number, Array<[number, number]>> = {};
    for (const [f, docs] of fields) entry[f] = [...docs].sort((a, b) => a[0] - b[0]);
    index[term] = entry;
  }
  return {
    documentCount: m._documentCount,
    nextId: m._nextId,
    documentIds: [...m._documentIds].sort((a, b) => a[0] - b[0]),
    fieldLength: [...m._fieldLength].sort((a, b) => a[0] - b[0]),
    averageFieldLength: m._avgFieldLength,
    index,
  };
}

const QUERIES = [
  'refund kettle',
  'KETTLE20',
  '退款',
  '到账',
  'BZ-2024-000042',
  'warranty days',
  'shipping express',
];

describe('LexicalShardWriter writes the shard minisearch would', () => {
  it.each([1, 2, 3, 4, 5])('a build: same state and same search results (seed %i)', (seed) => {
    const docs = randomDocs(seed, 300);
    const reference = LexicalShard.create();
    reference.addAll(docs);
    const writer = new LexicalShardWriter();
    writer.add(docs.slice(0, 120));
    writer.add(docs.slice(120));
    const written = LexicalShard.fromJSON(writer.toJSON());
    expect(written.size).toBe(reference.size);
    expect(snapshot(written)).toEqual(snapshot(LexicalShard.fromJSON(reference.toJSON())));
    for (const q of QUERIES) expect(written.search(q, 20)).toEqual(reference.search(q, 20));
  });

  it.each([11, 12, 13])(
    'a patch of a minisearch shard: removals and additions as discard + vacuum + add (seed %i)',
    async (seed) => {
      const rand = mulberry32(seed);
      const docs = randomDocs(seed, 250);
      const reference = LexicalShard.create();
      reference.addAll(docs);
      // The file minisearch wrote earlier, with some documents already discarded (postings left behind).
      const earlier = docs.filter(() => rand() < 0.05).map((d) => d.label);
      for (const l of earlier) reference.remove(l);
      const file = reference.toJSON();
      const removed = docs.filter((d) => !earlier.includes(d.label) && rand() < 0.1).map((d) => d.label);
      const added = randomDocs(seed + 100, 25, 10_000);

      const writer = LexicalShardWriter.fromJSON(file);
      writer.remove([...removed, 999_999]); // an unknown label is ignored
      writer.add(added);
      const written = LexicalShard.fromJSON(writer.toJSON());

      for (const l of removed) reference.remove(l);
      reference.addAll(added);
      const ms = (reference as unknown as { ms: MiniSearch }).ms;
      await ms.vacuum();
      expect(written.size).toBe(reference.size);
      const want = snapshot(reference);
      const got = snapshot(written);
      expect(got.index).toEqual(want.index);
      expect(got.documentIds).toEqual(want.documentIds);
      expect(got.fieldLength).toEqual(want.fieldLength);
      expect(got.nextId).toBe(want.nextId);
      for (const [i, v] of got.averageFieldLength.entries())
        expect(v).toBeCloseTo(want.averageFieldLength[i] as number, 9);
      for (const q of QUERIES) {
        const a = written.search(q, 20);
        const b = reference.search(q, 20);
        expect(a.map((h) => h.label)).toEqual(b.map((h) => h.label));
        for (const [i, h] of a.entries()) expect(h.score).toBeCloseTo(b[i]?.score as number, 9);
      }
    },
  );

  it('successive patches of its own files match minisearch after the same changes', async () => {
    const docs = randomDocs(21, 200);
    const first = randomDocs(22, 15, 20_000);
    const second = randomDocs(23, 15, 30_000);
    const reference = LexicalShard.create();
    reference.addAll(docs);
    const built = new LexicalShardWriter();
    built.add(docs);
    let file = built.toJSON();
    const steps: Array<{ remove: number[]; add: LexicalDoc[] }> = [
      { remove: docs.slice(0, 30).map((d) => d.label), add: first },
      { remove: [...docs.slice(100, 110), ...first.slice(0, 5)].map((d) => d.label), add: second },
    ];
    for (const step of steps) {
      const patch = LexicalShardWriter.fromJSON(file);
      patch.remove(step.remove);
      patch.add(step.add);
      file = patch.toJSON();
      for (const l of step.remove) reference.remove(l);
      reference.addAll(step.add);
    }
    await ((reference as unknown as { ms: MiniSearch }).ms as MiniSearch).vacuum();
    const written = LexicalShard.fromJSON(file);
    const got = snapshot(written);
    const want = snapshot(reference);
    expect(got.index).toEqual(want.index);
    expect(got.documentIds).toEqual(want.documentIds);
    expect(got.fieldLength).toEqual(want.fieldLength);
    for (const q of QUERIES) {
      const a = written.search(q, 20);
      const b = reference.search(q, 20);
      expect(a.map((h) => h.label)).toEqual(b.map((h) => h.label));
    }
  });

  it('removing every document leaves an empty shard that still loads', () => {
    const docs = randomDocs(7, 10);
    const writer = new LexicalShardWriter();
    writer.add(docs);
    const patch = LexicalShardWriter.fromJSON(writer.toJSON());
    patch.remove(docs.map((d) => d.label));
    const shard = LexicalShard.fromJSON(patch.toJSON());
    expect(shard.size).toBe(0);
    expect(shard.search('refund', 5)).toEqual([]);
  });

  it('refuses a file in another serialisation', () => {
    expect(() =>
      LexicalShardWriter.fromJSON('{"serializationVersion":1,"fieldIds":{"title":0,"text":1}}'),
    ).toThrow(/unexpected serialisation/);
  });
});
