import { describe, expect, it } from 'vitest';
import { hasCode, isMostlyHan } from '../../../src/retrieval/space-index.js';

describe('hybrid fusion weights', () => {
  it('lets BM25 lead for Chinese questions and codes, not for English prose', () => {
    expect(isMostlyHan('提现多久到账？')).toBe(true);
    expect(isMostlyHan('BGS 查件要等几天')).toBe(true);
    expect(isMostlyHan('How long do refunds take?')).toBe(false);
    expect(isMostlyHan('What does 退款 mean in the refund policy?')).toBe(false);
    expect(hasCode('Is HP-KET-200 dishwasher safe?')).toBe(true);
  });
});
