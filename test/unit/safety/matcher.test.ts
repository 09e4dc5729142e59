import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSafetyGuard, SafetyMatcher } from '../../../src/safety/matcher.js';
import { parseSafetyList } from '../../../src/safety/rules.js';

const rules = parseSafetyList(
  'test',
  [
    '# a note',
    'how to make a bomb',
    '信用卡套现',
    'Ｋill Yourself',
    're:\\bcvv\\s*(?:is|:)\\s*\\d{3}\\b',
    '',
  ].join('\n'),
);
const matcher = new SafetyMatcher(rules);

/** Streams `text` through a guard in the given pieces; returns what was shown and the hit. */
function stream(text: string, cuts: number[]) {
  const guard = createSafetyGuard(matcher);
  let shown = '';
  let prev = 0;
  for (const cut of [...cuts, text.length].sort((a, b) => a - b)) {
    shown += guard.push(text.slice(prev, cut));
    prev = cut;
  }
  shown += guard.end();
  return { shown, hit: guard.hit };
}

describe('safety lists', () => {
  it('parses keywords (normalised) and regexes with their file:line ids; a bad regex is a clear error', () => {
    expect(rules.map((r) => [r.id, r.kind, r.pattern])).toEqual([
      ['test:2', 'keyword', 'how to make a bomb'],
      ['test:3', 'keyword', '信用卡套现'],
      ['test:4', 'keyword', 'kill yourself'],
      ['test:5', 'regex', '\\bcvv\\s*(?:is|:)\\s*\\d{3}\\b'],
    ]);
    expect(() => parseSafetyList('bad', 're:(unclosed')).toThrow(/bad:1 is not a valid regular expression/);
  });

  it('matches case-, width- and spacing-insensitively, Chinese without spaces, and regexes', () => {
    expect(matcher.check('So... HOW TO  MAKE a   BOMB?')?.rule.id).toBe('test:2');
    expect(matcher.check('请问怎么信用卡套现最快')?.rule.id).toBe('test:3');
    expect(matcher.check('you should kill yourself')?.rule.id).toBe('test:4');
    expect(matcher.check('my CVV is 123 ok')?.rule.id).toBe('test:5');
    expect(matcher.check('How do I return a bomber jacket? 信用卡还款')).toBeNull();
  });
});

describe('the streaming guard', () => {
  const bad = 'Sure. Step one of how to make a bomb is never shown.';
  it('catches a keyword split across tokens at every possible cut, and never shows any of it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bad.length - 1 }), { maxLength: 12 }), (cuts) => {
        const { shown, hit } = stream(bad, cuts);
        expect(hit?.rule.id).toBe('test:2');
        expect(shown).not.toContain('bomb');
        expect(bad.startsWith(shown)).toBe(true);
      }),
    );
  });

  it('Chinese split into single characters is caught', () => {
    const text = '可以的，信用卡套现的方法如下';
    const { shown, hit } = stream(
      text,
      [...text].map((_, i) => i + 1),
    );
    expect(hit?.rule.id).toBe('test:3');
    expect(shown).not.toContain('套现');
  });

  it('a clean answer comes through whole, whatever the cuts, without splitting an emoji', () => {
    const clean = 'Returns are free within 30 days 👍 of delivery; 退货在30天内免费。';
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: clean.length - 1 }), { maxLength: 15 }),
        (cuts) => {
          const guard = createSafetyGuard(matcher);
          const pieces: string[] = [];
          let prev = 0;
          for (const cut of [...cuts, clean.length].sort((a, b) => a - b)) {
            pieces.push(guard.push(clean.slice(prev, cut)));
            prev = cut;
          }
          pieces.push(guard.end());
          expect(pieces.join('')).toBe(clean);
          for (const p of pieces) expect(p).not.toMatch(/[\ud800-\udbff]$/);
        },
      ),
    );
  });

  it('a 1 MB list loads and checks an answer quickly (one automaton for every keyword)', () => {
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 1_000_000; i++) {
      const line = `forbidden phrase number ${i} ${(i * 7919).toString(36)}`;
      lines.push(line);
      size += line.length + 1;
    }
    lines.push('违禁词语一二三');
    const big = new SafetyMatcher(parseSafetyList('big', lines.join('\n')));
    expect(big.size).toBe(lines.length);
    const answer = 'Our return window is 30 days from delivery. '.repeat(40);
    expect(big.check(answer)).toBeNull();
    expect(big.check(`${answer} forbidden phrase number 12345 ${(12345 * 7919).toString(36)}`)?.rule.id).toBe(
      'big:12346',
    );
    expect(big.check(`好的${'。'.repeat(100)}违禁词语一二三`)?.rule.list).toBe('big');
  });
});
