import type MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import {
  COMMON_TERM_SHARE,
  COMMON_TERMS_MIN_DOCS,
  LexicalIndex,
  LexicalShard,
  lexicalShardCount,
  lexicalShardOf,
  processTerm,
  tokenize,
} from '../../../src/retrieval/lexical.js';

const docs = Array.from({ length: 300 }, (_, i) => ({
  label: i * 3,
  title: `Policy ${i % 7}`,
  text: `Refunds for order BZ-2024-${String(i).padStart(6, '0')} within ${i % 30} days; 退款 ${i} 天内; kettle ${i % 11 === 0 ? 'KETTLE20' : ''}`,
}));

describe('lexical shards', () => {
  it('serialise to exactly what minisearch writes, and load back to the same results', () => {
    const shard = LexicalShard.create();
    shard.addAll(docs);
    shard.remove(3);
    shard.remove(30);
    // The reference: minisearch's own toJSON() of the same index.
    const ms = (shard as unknown as { ms: MiniSearch }).ms;
    expect(JSON.parse(shard.toJSON())).toEqual(JSON.parse(JSON.stringify(ms)));
    const loaded = LexicalShard.fromJSON(shard.toJSON());
    expect(loaded.size).toBe(shard.size);
    for (const q of ['refund kettle', 'KETTLE20', '退款', 'BZ-2024-000042']) {
      expect(loaded.search(q, 10)).toEqual(shard.search(q, 10));
    }
  });

  it('a sharded index searches every shard and merges by score', () => {
    const shards = [LexicalShard.create(), LexicalShard.create(), LexicalShard.create()];
    for (const d of docs) shards[lexicalShardOf(`f-${d.label}.md`, 3)]?.addAll([d]);
    const index = new LexicalIndex(shards);
    expect(index.size).toBe(docs.length);
    const hits = index.search('KETTLE20 refund', 15);
    expect(hits).toHaveLength(15);
    for (let i = 1; i < hits.length; i++)
      expect(hits[i - 1]?.score).toBeGreaterThanOrEqual(hits[i]?.score ?? 0);
    expect(hits.every((h) => h.label % 33 === 0)).toBe(true); // every i % 11 === 0 has the code
    expect(index.knows('kettle20')).toBe(true);
    expect(index.knows('nosuchterm')).toBe(false);
    expect(index.search('BZ-2024-000042', 1)[0]?.label).toBe(126);
  });

  it('knows() answers like an exact search, ignoring removed documents', () => {
    const shard = LexicalShard.create();
    shard.addAll(docs);
    shard.addAll([{ label: 5000, title: 'Gone', text: 'zebracode appears only here' }]);
    shard.remove(5000);
    const ms = (shard as unknown as { ms: MiniSearch }).ms;
    const terms = [
      'kettle20',
      'refund',
      '退款',
      'policy',
      'zebracode',
      'gone',
      'nosuchterm',
      'bz',
      '000042',
      'Refund',
    ];
    for (const t of terms) {
      const bySearch = ms.search(t, { prefix: false, fuzzy: false, processTerm: (x) => x }).length > 0;
      expect(shard.knows(t), t).toBe(bySearch);
    }
    expect(shard.knows('zebracode')).toBe(false);
  });

  describe('common terms in a large space', () => {
    // 6,000 chunks: "policy" is in every title, "refund" in every 4th text (both common),
    // "kettle" in 1 of 150 and "zebra" in 1 of 700 (both rare).
    const n = Math.max(COMMON_TERMS_MIN_DOCS, 6_000);
    const big = Array.from({ length: n }, (_, i) => ({
      label: i,
      title: `Policy ${i % 13}`,
      text: [
        i % 4 === 0 ? 'refund window' : 'delivery window',
        i % 150 === 0 ? 'kettle' : '',
        i % 700 === 0 ? 'zebra zebra' : '',
        `w${i % 97} w${i % 89}`,
      ].join(' '),
    }));
    const shards = [LexicalShard.create(), LexicalShard.create()];
    for (const d of big) shards[lexicalShardOf(`f-${d.label}.md`, 2)]?.addAll([d]);
    const index = new LexicalIndex(shards);
    // The reference: plain minisearch BM25 per shard over every matching chunk, merged.
    const full = (q: string) => shards.flatMap((s) => s.search(q, n)).sort((a, b) => b.score - a.score);

    it('has the common terms the test relies on', () => {
      expect(index.documentFrequency('policy')).toBe(n);
      expect(index.documentFrequency('refund')).toBeGreaterThan(COMMON_TERM_SHARE * n);
      expect(index.documentFrequency('kettle')).toBeLessThan(COMMON_TERM_SHARE * n);
    });

    it('with a rare term: candidates are the rare term’s chunks, scored by every term as plain BM25 does', () => {
      for (const q of ['refund policy for a kettle', 'kettle zebra refund', 'policy zebra']) {
        const hits = index.search(q, 20);
        const rareWords = ['kettle', 'zebra'].filter((w) => q.includes(w));
        const rare = new Set(
          big.filter((d) => rareWords.some((w) => d.text.includes(w))).map((d) => d.label),
        );
        const reference = full(q).filter((h) => rare.has(h.label));
        expect(hits.length, q).toBe(Math.min(20, reference.length));
        hits.forEach((h, i) => {
          expect(rare.has(h.label), q).toBe(true);
          expect(h.score, q).toBeCloseTo(reference[i]?.score ?? Number.NaN, 9);
        });
        // The common term still ranks: refund+kettle chunks come before kettle-only ones.
        if (q.includes('refund') && q.includes('kettle') && !q.includes('zebra'))
          expect((hits[0]?.label ?? 1) % 4).toBe(0);
      }
    });

    it('only common terms: the chunks that have them all, with plain BM25 scores', () => {
      const hits = index.search('refund policy', 30);
      const all = full('refund policy').filter((h) => h.label % 4 === 0);
      expect(hits.map((h) => h.label)).toEqual(all.slice(0, 30).map((h) => h.label));
      hits.forEach((h, i) => {
        expect(h.score).toBeCloseTo(all[i]?.score ?? Number.NaN, 9);
      });
      expect(
        index.search('refund policy', 5, (label) => label % 8 === 0).every((h) => h.label % 8 === 0),
      ).toBe(true);
    });

    it('terms no chunk has do not count as rare; no chunk with every common term falls back to the rarest', () => {
      // "nosuchword" finds nothing, so this is an all-common query: refund AND policy.
      const hits = index.search('nosuchword refund policy', 10);
      expect(hits.map((h) => h.label)).toEqual(index.search('refund policy', 10).map((h) => h.label));
      expect(hits).toHaveLength(10);
      // No chunk has both "refund" and "delivery": the rarest of the two ranks alone.
      const fallback = index.search('refund delivery', 10);
      expect(fallback).toHaveLength(10);
      expect(fallback.every((h) => h.label % 4 === 0)).toBe(true);
    });

    it('small spaces score every match (no cutoff)', () => {
      const small = LexicalIndex.fromJSON(
        (() => {
          const s = LexicalShard.create();
          s.addAll(big.slice(0, 400));
          return s.toJSON();
        })(),
      );
      const hits = small.search('refund policy', 400);
      expect(hits).toHaveLength(400); // "policy" alone matches all of them
    });
  });

  it('shard counts and assignment', () => {
    expect(lexicalShardCount(0)).toBe(1);
    expect(lexicalShardCount(3000)).toBe(1);
    expect(lexicalShardCount(100_000)).toBe(40);
    expect(lexicalShardCount(100, 10)).toBe(10);
    for (const n of [1, 2, 7, 40]) {
      for (const s of ['a.md', 'apparel/returns.md', '退款.md']) {
        const shard = lexicalShardOf(s, n);
        expect(shard).toBe(lexicalShardOf(s, n));
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(n);
      }
    }
  });

  it('tokenizes Chinese and English alike, with Chinese characters and bigrams beside the words', () => {
    expect(tokenize('Refunds for 退款政策').map(processTerm)).toEqual([
      'refund',
      null,
      '退款',
      '政策',
      '退',
      '退款',
      '款',
      '款政',
      '政',
      '政策',
      '策',
    ]);
    // Particles are dropped as single characters but kept inside bigrams.
    expect(tokenize('的钱')).toEqual(expect.arrayContaining(['的钱', '钱']));
    expect(tokenize('的钱')).not.toContain('的');
  });

  it('finds a Chinese paraphrase whose segmentation differs from the document', () => {
    const shard = LexicalShard.create();
    shard.addAll([
      { label: 1, title: '提现', text: '提现申请提交后，资金一般在三个工作日内到账。' },
      { label: 2, title: '退货', text: '退货运费由买家承担。' },
    ]);
    // The segmenter reads the passage as 退|货运|费 and the question as 运费|谁|出: only bigrams meet.
    expect(shard.search('运费谁出', 2).map((h) => h.label)).toEqual([2]);
    expect(shard.search('押金冻住了还能提款吗', 2)[0]?.label).toBe(1);
  });
});
