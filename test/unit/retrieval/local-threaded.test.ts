import { describe, expect, it } from 'vitest';
import { createLocalEmbedder } from '../../../src/retrieval/embedders/local.js';
import { createThreadedLocalEmbedder } from '../../../src/retrieval/embedders/local-threaded.js';

const texts = (n: number, tag: string) =>
  Array.from(
    { length: n },
    (_, i) => `${tag} ${i}: refunds within ${i % 30} days; 退款 ${i} 天内; SKU-${1000 + i}`,
  );

describe('local embedder in a worker thread', () => {
  it('has the inline embedder’s id and returns the very same vectors, in order, for concurrent batches', async () => {
    const inline = createLocalEmbedder({ dimensions: 256 });
    const threaded = createThreadedLocalEmbedder({ dimensions: 256 });
    expect(threaded.id).toBe(inline.id);
    expect(threaded.dimensions).toBe(256);
    const a = texts(300, 'alpha');
    const b = texts(280, 'beta');
    const [ta, tb] = await Promise.all([threaded.embedDocuments(a), threaded.embedDocuments(b)]);
    expect(ta).toEqual(await inline.embedDocuments(a));
    expect(tb).toEqual(await inline.embedDocuments(b));
    expect(Array.isArray(ta[0])).toBe(true);
    expect(await threaded.embedQuery('refund window')).toEqual(await inline.embedQuery('refund window'));
    expect(await threaded.embedDocuments(['small batch'])).toEqual(
      await inline.embedDocuments(['small batch']),
    );
  });

  it('rejects bad dimensions like the inline embedder', () => {
    expect(() => createThreadedLocalEmbedder({ dimensions: 2 })).toThrow(/at least 8 dimensions/);
  });
});
