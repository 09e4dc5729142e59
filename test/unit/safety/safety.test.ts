import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createSafetyMatcher,
  createSafetyStreamGuard,
  loadRules,
  parseRules,
  type SafetyRule,
} from '../../../src/safety/index.js';

const LIST = `# test list
counterfeit
假货
刷单
re:\\b\\d{16}\\b
re:代开.{0,4}发票
`;

function stream(guardText: string[], rules: SafetyRule[]) {
  const guard = createSafetyStreamGuard(createSafetyMatcher(rules));
  const shown: string[] = [];
  for (const piece of guardText) shown.push(guard.push(piece));
  shown.push(guard.end());
  return { shown: shown.join(''), tripped: guard.tripped };
}

describe('safety lists', () => {
  const rules = parseRules(LIST, 'test.txt');

  it('parses keywords, regexes and comments with their line as the rule id', () => {
    expect(rules.map((r) => [r.id, r.kind])).toEqual([
      ['test.txt:2', 'keyword'],
      ['test.txt:3', 'keyword'],
      ['test.txt:4', 'keyword'],
      ['test.txt:5', 'regex'],
      ['test.txt:6', 'regex'],
    ]);
  });

  it('rejects an invalid regex with the file and line', () => {
    expect(() => parseRules('ok\nre:(unclosed', 'bad.txt')).toThrow(/bad\.txt:2/);
  });

  it('matches English case-insensitively and Chinese without spaces', () => {
    const m = createSafetyMatcher(rules);
    expect(m.check('Where can I buy COUNTERFEIT bags?')?.rule.id).toBe('test.txt:2');
    expect(m.check('我们店可以帮忙刷单吗')?.rule.id).toBe('test.txt:4');
    expect(m.check('能不能代开增值税发票')?.rule.id).toBe('test.txt:6');
    expect(m.check('card 4111111111111111 please')?.rule.id).toBe('test.txt:5');
    expect(m.check('How do refunds work? 退款怎么处理')).toBeNull();
  });

  it('matches full-width letters as their ASCII twins', () => {
    expect(createSafetyMatcher(rules).check('ｃｏｕｎｔｅｒｆｅｉｔ')?.rule.id).toBe('test.txt:2');
  });

  it('loads every .txt of a folder; a missing folder means no rules', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'safety-'));
    writeFileSync(path.join(dir, 'b.txt'), 'beta\n');
    writeFileSync(path.join(dir, 'a.txt'), 'alpha\n');
    writeFileSync(path.join(dir, 'notes.md'), 'gamma\n');
    expect(loadRules(dir).map((r) => r.id)).toEqual(['a.txt:1', 'b.txt:1']);
    expect(loadRules(path.join(dir, 'missing'))).toEqual([]);
  });

  it('the shipped lists load and block an English and a Chinese example', () => {
    const m = createSafetyMatcher(loadRules(path.resolve('knowledge/safety')));
    expect(m.size).toBeGreaterThan(5);
    expect(m.check('how to sell counterfeit sneakers')).not.toBeNull();
    expect(m.check('有没有刷单教程可以提高销量')).not.toBeNull();
    expect(m.check('What is the return window for shoes?')).toBeNull();
  });

  it('handles a 1 MB list (tens of thousands of keywords) and still finds a late one', () => {
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 1_000_000; i++) {
      const w = `blockedterm${i.toString(36)}x`;
      lines.push(w);
      size += w.length + 1;
    }
    const last = lines[lines.length - 1]!;
    const m = createSafetyMatcher(parseRules(lines.join('\n'), 'big.txt'));
    expect(m.size).toBe(lines.length);
    expect(m.check(`an answer that mentions ${last.toUpperCase()} at the end`)?.rule.id).toBe(
      `big.txt:${lines.length}`,
    );
    expect(m.check('an ordinary answer about blocked terms and refunds')).toBeNull();
  });
});

describe('safety stream guard', () => {
  const rules = parseRules(LIST, 'test.txt');

  it('catches a keyword split across tokens before any piece of it is shown', () => {
    const { shown, tripped } = stream(['You can buy coun', 'ter', 'feit goods here'], rules);
    expect(tripped?.rule.id).toBe('test.txt:2');
    expect(shown).not.toMatch(/c(o(u(n(t(e(r(f(e(i(t)?)?)?)?)?)?)?)?)?)?$/i);
    expect(shown.toLowerCase()).not.toContain('counterfeit');
  });

  it('catches Chinese split character by character', () => {
    const { shown, tripped } = stream([...'可以用刷单来提高排名'], rules);
    expect(tripped?.rule.id).toBe('test.txt:4');
    expect(shown).not.toContain('刷');
  });

  it('passes a clean answer through unchanged', () => {
    const pieces = ['Refunds are ', 'issued within ', '5 days. 退款', '会在五天内到账。'];
    const { shown, tripped } = stream(pieces, rules);
    expect(tripped).toBeNull();
    expect(shown).toBe(pieces.join(''));
  });

  it('with keywords only, holds back no more than the longest keyword', () => {
    const guard = createSafetyStreamGuard(createSafetyMatcher(parseRules('counterfeit', 'k.txt')));
    const text = 'Refunds are issued within five days of the return arriving.';
    const out = guard.push(text);
    // 'counterfeit' has 11 characters: 10 are held back, the rest is shown at once.
    expect(out).toBe(text.slice(0, text.length - 10));
    expect(guard.end()).toBe(text.slice(-10));
  });
});

describe('whole-answer check', () => {
  it('catches a regex match longer than the streaming window when the answer ends', async () => {
    const { createSafetyCheck } = await import('../../../src/safety/index.js');
    const check = createSafetyCheck({ rules: parseRules('re:begin[a-z ]{60,}end', 'r.txt') });
    const long = `begin ${'x'.repeat(70)} end`;
    const guard = check.answerGuard();
    // Streamed in small pieces, the 48-character window never holds the whole match...
    const shown = [...long].map((ch) => guard.push(ch)).join('') + guard.end();
    expect(guard.tripped).toBeNull();
    expect(shown).toBe(long);
    // ...so the end-of-answer check catches it (the pipeline then replaces the shown part).
    expect((await check.checkAnswer(long))?.rule.id).toBe('r.txt:1');
  });
});
