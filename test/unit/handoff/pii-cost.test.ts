import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LOGGED_CHARS, scrubText } from '../../../src/text/log-scrub.js';
import { PII_TOKENS, scrubEmails, scrubPii } from '../../../src/text/pii.js';

// The regex the linear scan replaced: quadratic on a long run of name characters without "@".
const EMAIL_REGEX =
  /[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]/g;

/**
 * Cost growth, not wall time: per-call time at 16 KB and at 64 KB, measured alternately (each sample
 * repeats the call for at least 5 ms, best of 9), so a loaded machine slows both sizes alike. Four
 * times the input costs about 4× for a linear scan and 16× for a quadratic one; the bound is 10×.
 * Absolute figures belong in `npm run bench`, not in tests.
 */
function growth(fn: (text: string) => unknown, make: (size: number) => string): number {
  const small = make(KB64 / 4);
  const large = make(KB64);
  const perCall = (text: string) => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 5) {
      fn(text);
      n++;
      t = performance.now();
    }
    return (t - t0) / n;
  };
  fn(small);
  fn(large);
  let bestSmall = Number.POSITIVE_INFINITY;
  let bestLarge = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 9; i++) {
    bestSmall = Math.min(bestSmall, perCall(small));
    bestLarge = Math.min(bestLarge, perCall(large));
  }
  return bestLarge / bestSmall;
}

const KB64 = 64 * 1024;
const hostile: Record<string, (size: number) => string> = {
  'name characters, no @': (n) => 'a'.repeat(n),
  'dotted names, no @': (n) => 'a.'.repeat(n / 2),
  'many @ with long domains': (n) => `${'a'.repeat(100)}@${'b-'.repeat(200)}`.repeat(Math.floor(n / 501)),
  'labels without a TLD': (n) => `x@${'a.'.repeat(n / 2 - 2)}`,
  'digit groups': (n) => '1 '.repeat(n / 2),
  'plus signs and digits': (n) => '+1 2'.repeat(n / 4),
  'token prefixes': (n) => 'eyJ-'.repeat(n / 4),
  'secret prefixes': (n) => 'sk-a'.repeat(n / 4),
};

describe('scrubber cost on hostile input grows linearly', () => {
  // The log scrubber cuts fields at MAX_LOGGED_CHARS, so for it the large input costs no more than
  // the cut; scrubPii (used on saved answers and exports) sees the whole text.
  for (const [name, make] of Object.entries(hostile)) {
    it(`${name}: 4× the text costs under 10× (scrubPii, whole text)`, () => {
      expect(make(KB64).length).toBeGreaterThanOrEqual(KB64 - 600);
      expect(growth(scrubPii, make)).toBeLessThan(10);
      expect(growth(scrubText, make)).toBeLessThan(10);
    });
  }

  it('the email scan itself is linear where the old regex was quadratic (the check can fail)', () => {
    for (const name of ['name characters, no @', 'dotted names, no @', 'many @ with long domains']) {
      const make = hostile[name] as (size: number) => string;
      expect(growth(scrubEmails, make)).toBeLessThan(10);
    }
    // The same measurement flags the regex the scan replaced.
    expect(
      growth(
        (t) => t.replace(EMAIL_REGEX, PII_TOKENS.email),
        (n) => 'a'.repeat(n / 4),
      ),
    ).toBeGreaterThan(10);
  });

  it('logs keep at most MAX_LOGGED_CHARS of a field and say how much was cut', () => {
    const out = scrubText(`${'p'.repeat(MAX_LOGGED_CHARS)}/user@example.com`);
    expect(out.startsWith('p'.repeat(MAX_LOGGED_CHARS))).toBe(true);
    expect(out).toContain('more chars cut');
    expect(out).not.toContain('example.com');
  });
});

describe('the email scan finds what the regex found', () => {
  const alphabet = fc.constantFrom(
    ...'ab1.-_+@ @.co.uk x-y'.split(''),
    '@',
    '.',
    'com',
    'a@b.cd',
    '..',
    '中',
  );
  it('same output on random strings', () => {
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')),
        (text) => {
          expect(scrubEmails(text)).toBe(text.replace(EMAIL_REGEX, PII_TOKENS.email));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('examples', () => {
    for (const text of [
      'mail jane.doe+tag@shop.example.co.uk now',
      'a..b@x.com',
      'x@y.c',
      'x@y.com-',
      'user@-bad.com',
      'first@a.com,second@b.org',
      '.lead@x.io trail.@x.io',
    ])
      expect(scrubEmails(text)).toBe(text.replace(EMAIL_REGEX, PII_TOKENS.email));
    expect(scrubPii('write to jane@shop.example.com')).toBe('write to [email]');
  });
});
