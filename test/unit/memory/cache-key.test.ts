import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerCacheKey, normaliseQuestion } from '../../../src/memory/cache-key.js';

describe('normaliseQuestion', () => {
  it.each([
    ['What is the refund policy?', 'what is the refund policy'],
    ['  WHAT   is the\tRefund Policy ?? ', 'what is the refund policy'],
    ['Hey, what is the refund policy?', 'what is the refund policy'],
    ['hi bot what is the refund policy', 'what is the refund policy'],
    ['Hey copilot! please, what is the refund policy...', 'what is the refund policy'],
    ['Please tell me the refund policy!', 'tell me the refund policy'],
    ['退货政策是什么？', '退货政策是什么'],
    ['请问退货政策是什么。', '退货政策是什么'],
    ['你好，退货政策是什么！', '退货政策是什么'],
    ['ＳＫＵ　Ａ１２３ ｓｔｏｃｋ？', 'sku a123 stock'],
  ])('%j → %j', (question, expected) => {
    expect(normaliseQuestion(question)).toBe(expected);
  });

  it('leaves words that only start like a greeting alone', () => {
    expect(normaliseQuestion('History of order 42?')).toBe('history of order 42');
    expect(normaliseQuestion('Okapi plush in stock?')).toBe('okapi plush in stock');
    expect(normaliseQuestion('Is shipping free, please?')).toBe('is shipping free, please');
  });

  it('keeps a message that is only a greeting', () => {
    expect(normaliseQuestion('Hi!')).toBe('hi');
    expect(normaliseQuestion('hi bot')).toBe('hi bot');
    expect(normaliseQuestion('???')).toBe('???');
  });

  it('keeps punctuation inside the question', () => {
    expect(normaliseQuestion('Is v1.2 supported?')).toBe('is v1.2 supported');
    expect(normaliseQuestion('Order #A-17: where is it?')).toBe('order #a-17: where is it');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (q) => {
        const once = normaliseQuestion(q);
        expect(normaliseQuestion(once)).toBe(once);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('hi', 'Hey', 'please', 'bot', ' ', '?', '？', '。', 'refund', '退货', ',', '!'),
          {
            maxLength: 8,
          },
        ),
        (parts) => {
          const once = normaliseQuestion(parts.join(''));
          expect(normaliseQuestion(once)).toBe(once);
        },
      ),
    );
  });
});

describe('answerCacheKey', () => {
  it('shares a key between phrasings of the same question', () => {
    expect(answerCacheKey('default', 'v1', 'Hey, what is the refund policy?')).toBe(
      answerCacheKey('default', 'v1', 'what is the refund policy'),
    );
  });

  it('separates spaces, index versions and different questions', () => {
    const key = answerCacheKey('default', 'v1', 'refund policy');
    expect(answerCacheKey('apparel', 'v1', 'refund policy')).not.toBe(key);
    expect(answerCacheKey('default', 'v2', 'refund policy')).not.toBe(key);
    expect(answerCacheKey('default', 'v1', 'shipping policy')).not.toBe(key);
    expect(key).toBe('default\0v1\0refund policy');
  });
});
