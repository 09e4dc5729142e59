import fc from 'fast-check';
import { getEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../../src/text/token-estimate.js';

const enc = getEncoding('cl100k_base');

const SAMPLES: Record<string, string> = {
  english:
    'Returns are accepted within 30 days of delivery. Items must be unworn, with tags attached, and in their original packaging. Refunds are issued to the original payment method within 5-7 business days after we receive the item. Our warehouse operates Monday through Friday, excluding national holidays.',
  'english with ids':
    'Order #A-10234 (SKU: TSH-BLK-XL) shipped via UPS Ground on 2024-03-05; tracking: 1Z999AA10123456784. Contact support@example.com or call +1 (555) 010-2030.',
  'markdown table':
    '| Size | Chest (cm) | Length |\n|---|---|---|\n| S | 88 | 66 |\n| M | 96 | 70 |\n\n- Free shipping over $50\n- Express: $12.99',
  chinese:
    '我们接受收货后三十天内的退货。商品必须未穿着、吊牌完好，并保留原包装。收到退货后，退款将在五到七个工作日内退回原支付方式。会员积分规则：每消费一元累积一分，积分可在下次购物时抵扣现金，一百积分等于一元。',
  'chinese with numbers':
    '运费说明：订单满199元包邮，偏远地区（新疆、西藏）除外。如需加急配送，请在下单时选择顺丰快递，另收20元。',
  mixed:
    '我们的 T-shirt 尺码表如下：S / M / L / XL。Returns within 30 days，退款 5-7 个工作日到账。Contact us via WeChat 或者邮件。',
};

describe('estimateTokens', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(`is within ±25% of cl100k_base on ${name}`, () => {
      const actual = enc.encode(text).length;
      const estimate = estimateTokens(text);
      expect(estimate).toBeGreaterThanOrEqual(actual * 0.75);
      expect(estimate).toBeLessThanOrEqual(actual * 1.25);
    });
  }

  it('counts nothing for empty or blank text and something for any visible character', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('   ')).toBe(0);
    expect(estimateTokens('a')).toBe(1);
    expect(estimateTokens('中')).toBeGreaterThanOrEqual(1);
  });

  it('measures a slice without copying it, and a whole never exceeds the sum of its parts', () => {
    const text = 'Hello world. 你好，世界。Order 12345!';
    expect(estimateTokens(text, 0, 12)).toBe(estimateTokens('Hello world.'));
    const parts = estimateTokens(text, 0, 13) + estimateTokens(text, 13, 20) + estimateTokens(text, 20);
    expect(estimateTokens(text)).toBeLessThanOrEqual(parts);
  });

  // The chunker skips re-measuring a piece whose sentences' estimates sum to at most maxTokens.
  it('is subadditive for any text cut anywhere (property), with no floating-point drift', () => {
    const char = fc.constantFrom(...'aZé09 .-|\n\t一中あ한。，😀'.split(''));
    const text = fc.array(char, { maxLength: 200 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), (t, cuts) => {
        const at = [...new Set([0, ...cuts.map((c) => c % (t.length + 1)), t.length])].sort((a, b) => a - b);
        let sum = 0;
        for (let i = 1; i < at.length; i++) sum += estimateTokens(t, at[i - 1], at[i]);
        expect(estimateTokens(t)).toBeLessThanOrEqual(sum);
      }),
      { numRuns: 2000 },
    );
    // 14 + 14 + 1 tokens; summing 1.1 per ideograph in floating point once made the whole 30.
    const whole = 'A0a0A0a a0 a0a.\n| 一一一一一一一一一一。\n- ';
    expect(estimateTokens(whole)).toBe(29);
  });
});
