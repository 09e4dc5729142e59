import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutPoint, splitText } from '../../../src/slack/stream/split.js';

describe('splitText', () => {
  it('splits without loss, each part within the limit', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 3000 }),
        fc.integer({ min: 5, max: 500 }),
        (text, max) => {
          const parts = splitText(text, max);
          expect(parts.join('')).toBe(text);
          for (const p of parts) {
            expect(p.length).toBeLessThanOrEqual(max);
            expect(p).not.toMatch(/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/);
          }
        },
      ),
    );
  });

  it('prefers paragraph and sentence boundaries', () => {
    const text = `${'a'.repeat(70)}\n\n${'b'.repeat(50)}`;
    expect(cutPoint(text, 100)).toBe(72);
    expect(cutPoint(`${'word '.repeat(30)}`, 100)).toBe(100);
    expect(cutPoint(`${'x'.repeat(90)}. ${'y'.repeat(50)}`, 100)).toBe(92);
  });

  it('never cuts inside a Slack token or a surrogate pair', () => {
    const text = `${'x'.repeat(95)}<https://example.com|link> tail`;
    expect(cutPoint(text, 100)).toBe(95);
    const emoji = `${'x'.repeat(99)}😀😀`;
    expect(cutPoint(emoji, 100)).toBe(99);
  });
});
