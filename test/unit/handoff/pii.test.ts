import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luhnValid, scrubPii } from '../../../src/text/pii.js';

describe('scrubPii: examples', () => {
  it.each([
    ['Write to jane.doe+orders@example.co.uk for a copy.', 'Write to [email] for a copy.'],
    ['请发邮件到 kefu@shop.cn 联系我们', '请发邮件到 [email] 联系我们'],
    ['Call +1 (206) 555-0134 today', 'Call [phone] today'],
    ['Call 206-555-0134 or (206) 555-0134 or 206.555.0134', 'Call [phone] or [phone] or [phone]'],
    ['手机 138 0013 8000，或 13800138000', '手机 [phone]，或 [phone]'],
    ['国际 +86 138-0013-8000 / +86 13800138000', '国际 [phone] / [phone]'],
    ['座机010-12345678，深圳0755-1234567', '座机[phone]，深圳[phone]'],
    ['Card 4111 1111 1111 1111 was charged', 'Card [card number] was charged'],
    ['卡号：4111-1111-1111-1111，已退款', '卡号：[card number]，已退款'],
    ['Amex 378282246310005.', 'Amex [card number].'],
    ['银联卡 6212 3456 7890 1234 569 已绑定', '银联卡 [card number] 已绑定'],
    ['ref 5 4111 1111 1111 1111', 'ref 5 [card number]'],
  ])('%s', (input, expected) => {
    expect(scrubPii(input)).toBe(expected);
  });

  it('keeps ordinary numbers: prices, dates, SKUs, order ids, Luhn-invalid 16 digits', () => {
    const text =
      'Refunds take 5-7 days; fee is $12.50 on 2026-11-28. SKU-100234, order #20261128, 4111 1111 1111 1112, 满 299 减 30。';
    expect(scrubPii(text)).toBe(text);
  });

  it('luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });
});

// --- generators ---------------------------------------------------------------------------

const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));

/** A Luhn-valid number of 13–19 digits, printed plain, in groups of 4 with spaces, or with dashes. */
const card = fc
  .tuple(
    fc.integer({ min: 13, max: 19 }),
    fc.integer({ min: 1, max: 9 }),
    digits(18),
    fc.constantFrom('', ' ', '-'),
  )
  .map(([len, first, rest, sep]) => {
    const body = `${first}${rest.slice(0, len - 2)}`;
    for (let check = 0; check < 10; check++) {
      if (luhnValid(body + check)) {
        const full = body + check;
        return sep ? (full.match(/.{1,4}/g) ?? []).join(sep) : full;
      }
    }
    throw new Error('unreachable');
  });

const nanp = fc
  .tuple(
    fc.integer({ min: 200, max: 999 }),
    fc.integer({ min: 200, max: 999 }),
    digits(4),
    fc.integer({ min: 0, max: 4 }),
  )
  .map(
    ([a, b, c, f]) =>
      [`${a}-${b}-${c}`, `(${a}) ${b}-${c}`, `+1 (${a}) ${b}-${c}`, `${a}.${b}.${c}`, `+1 ${a} ${b} ${c}`][
        f
      ] as string,
  );
const cnMobile = fc
  .tuple(fc.integer({ min: 3, max: 9 }), digits(9), fc.integer({ min: 0, max: 4 }))
  .map(([second, rest, f]) => {
    const n = `1${second}${rest}`;
    const spaced = `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`;
    const dashed = `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`;
    return [n, spaced, dashed, `+86 ${dashed}`, `+86 ${n}`][f] as string;
  });
const cnLandline = fc
  .tuple(fc.constantFrom('010', '021', '0755', '0571'), digits(8), fc.boolean())
  .map(([area, n, paren]) => (paren ? `(${area}) ${n.slice(0, 4)} ${n.slice(4)}` : `${area}-${n}`));
const phone = fc.oneof(nanp, cnMobile, cnLandline);

/** English or Chinese filler, including digits and punctuation. */
const filler = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', '请联系', '退款已处理，', 'Thanks! ', '订单 12 件', 'see p. 3'),
);
const sep = fc.constantFrom(' ', '\n', '：', '，', ' (', ') ', '。');

describe('scrubPii: properties', () => {
  it('is idempotent on any text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        (s) => scrubPii(scrubPii(s)) === scrubPii(s),
      ),
      {
        numRuns: 2000,
      },
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(filler, card, phone, fc.emailAddress(), sep), { maxLength: 12 }),
        (parts) => {
          const s = parts.join('');
          return scrubPii(scrubPii(s)) === scrubPii(s);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never lets an email, phone or Luhn-valid card embedded in text survive', () => {
    fc.assert(
      fc.property(
        filler,
        sep,
        fc.oneof(card, phone, fc.emailAddress()),
        sep,
        filler,
        (a, s1, secret, s2, b) => {
          const out = scrubPii(`${a}${s1}${secret}${s2}${b}`);
          expect(out).not.toContain(secret);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
