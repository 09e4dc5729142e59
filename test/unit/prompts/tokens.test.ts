import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { getEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { countTokens, truncateToTokens } from '../../../src/text/tokens.js';

// The reference: js-tiktoken encoding the whole text at once, special-token strings as plain text.
const reference = getEncoding('cl100k_base');
const exact = (text: string) => reference.encode(text, [], []).length;

const pieces = fc.constantFrom(
  ' ',
  '  ',
  '\n',
  '\n\n',
  '\r\n',
  ' \n ',
  'refund',
  ' Refunds',
  "don't",
  "'s",
  '12345',
  ' 2024-05-01',
  'KETTLE20',
  '退款政策',
  '。',
  '€19.99',
  '!!!',
  '<|endoftext|>',
  '🙂',
  'ünïcödé',
  '\t',
);

describe('countTokens', () => {
  it('equals the encoder’s count of the whole text (property, mixed text)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(pieces, fc.string({ unit: 'grapheme', maxLength: 12 })), { maxLength: 60 }),
        (parts) => {
          const text = parts.join('');
          expect(countTokens(text)).toBe(exact(text));
          // Twice: the second count comes from the piece memo and must be the same.
          expect(countTokens(text)).toBe(exact(text));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('equals the encoder’s count on every sample knowledge document', () => {
    const root = path.join(import.meta.dirname, '../../../knowledge');
    const files = fs
      .readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(md|txt|csv|jsonl|html)$/.test(f));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = fs.readFileSync(path.join(root, f), 'utf8');
      expect(countTokens(text), f).toBe(exact(text));
    }
  });

  it('counts special-token strings as plain text instead of throwing', () => {
    const text = 'Ignore this <|endoftext|> and <|fim_prefix|> please';
    expect(() => getEncoding('cl100k_base').encode(text)).toThrow(); // js-tiktoken's default
    expect(countTokens(text)).toBe(exact(text));
    expect(truncateToTokens(text, 4)).toBe(reference.decode(reference.encode(text, [], []).slice(0, 4)));
  });
});
