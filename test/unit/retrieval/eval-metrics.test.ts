import { describe, expect, it } from 'vitest';
import { dedupeSources, mrrAt, ndcgAt, percentile, recallAt } from '../../../src/retrieval/eval-metrics.js';

describe('retrieval metrics', () => {
  const ranked = ['a', 'b', 'c', 'd'];
  it('recall@k counts relevant docs in the top k', () => {
    expect(recallAt(ranked, ['b', 'z'], 1)).toBe(0);
    expect(recallAt(ranked, ['b', 'z'], 2)).toBe(0.5);
    expect(recallAt(ranked, ['a'], 1)).toBe(1);
  });
  it('mrr is the reciprocal rank of the first relevant doc', () => {
    expect(mrrAt(ranked, ['c'], 10)).toBeCloseTo(1 / 3);
    expect(mrrAt(ranked, ['z'], 10)).toBe(0);
    expect(mrrAt(ranked, ['d'], 3)).toBe(0);
  });
  it('ndcg is 1 for a perfect ranking and lower otherwise', () => {
    expect(ndcgAt(ranked, ['a', 'b'], 10)).toBe(1);
    expect(ndcgAt(ranked, ['b'], 10)).toBeCloseTo(1 / Math.log2(3));
  });
  it('dedupes sources keeping first rank and computes percentiles', () => {
    expect(dedupeSources(['a', 'b', 'a', 'c', 'b'])).toEqual(['a', 'b', 'c']);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 100], 95)).toBe(100);
  });
});
