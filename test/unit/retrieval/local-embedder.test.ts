import { describe, expect, it } from 'vitest';
import { createLocalEmbedder } from '../../../src/retrieval/embedders/local.js';

const dot = (a: number[], b: number[]): number => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const norm = (a: number[]): number => Math.sqrt(dot(a, a));

describe('local hashing embedder', () => {
  const embedder = createLocalEmbedder();
  const sim = async (a: string, b: string): Promise<number> =>
    dot(await embedder.embedQuery(a), await embedder.embedQuery(b));

  it('has a versioned id and the configured size', async () => {
    expect(embedder.id).toBe('local-hash-v1:384');
    expect(embedder.dimensions).toBe(384);
    const small = createLocalEmbedder({ dimensions: 64 });
    expect(small.id).toBe('local-hash-v1:64');
    expect(await small.embedQuery('refund policy')).toHaveLength(64);
  });

  it('is deterministic across calls and instances, and documents equal queries', async () => {
    const text = 'Refunds are issued within 5 business days. 退款将在5个工作日内处理。';
    const a = await embedder.embedQuery(text);
    const [b] = await createLocalEmbedder().embedDocuments([text]);
    expect(b).toEqual(a);
    // Thousands of distinct features (grows the feature table) must not change the result either.
    const long = Array.from({ length: 6000 }, (_, i) =>
      String.fromCharCode(0x4e00 + ((i * 7919) % 20000)),
    ).join('');
    const [first, again] = await embedder.embedDocuments([long, long]);
    expect(again).toEqual(first);
    expect(await createLocalEmbedder().embedQuery(long)).toEqual(first);
  });

  it('returns unit vectors, also for empty and punctuation-only text (no NaN)', async () => {
    const texts = ['', '   ', '?!…', 'refund', '退款', 'a'.repeat(10_000), 'SKU-123 / 订单号 A1B2'];
    for (const v of await embedder.embedDocuments(texts)) {
      expect(v).toHaveLength(384);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('puts an English paraphrase closer than an unrelated text', async () => {
    const query = 'how do I get my money back';
    const related = await sim(query, 'refund policy');
    const unrelated = await sim(query, 'update your store logo and banner colours');
    expect(related).toBeGreaterThan(unrelated + 0.2);
  });

  it('works for Chinese', async () => {
    expect(await sim('退款', '退钱怎么办')).toBeGreaterThan(await sim('退款', '账户密码'));
    expect(await sim('包裹一直没收到', '物流延迟')).toBeGreaterThan(
      await sim('包裹一直没收到', '优惠券怎么用'),
    );
  });

  it('brings a Chinese question close to the English document on the same concept', async () => {
    const query = '怎么申请退款';
    const sameConcept = await sim(
      query,
      'Refunds are issued to the original payment method within 5 business days.',
    );
    const other = await sim(query, 'Change the colour of your storefront banner in the theme editor.');
    expect(sameConcept).toBeGreaterThan(other + 0.1);
  });

  it('matches inflections and phrases through the stemmer and concept lexicon', async () => {
    expect(await sim('refunded orders', 'refund order')).toBeGreaterThan(0.8);
    expect(await sim('can I send it back', 'returns')).toBeGreaterThan(
      await sim('can I send it back', 'coupons'),
    );
  });
});
