import type MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import {
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

  it('tokenizes Chinese and English alike', () => {
    expect(tokenize('Refunds for 退款政策').map(processTerm)).toEqual(['refund', null, '退款', '政策']);
  });
});
