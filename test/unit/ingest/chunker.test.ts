import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoadedDoc } from '../../../src/domain/documents.js';
import { chunkDocument, chunkId, splitSection } from '../../../src/ingest/chunker.js';
import { loadMarkdown } from '../../../src/ingest/loaders/markdown.js';
import { loadPdf } from '../../../src/ingest/loaders/pdf.js';
import { estimateTokens } from '../../../src/text/token-estimate.js';
import { makePdf } from './fixtures.js';

const noWs = (s: string) => s.replace(/\s+/g, '');
const file = { space: 'shop', source: 'docs/guide.md' };

function doc(partial: Partial<LoadedDoc>): LoadedDoc {
  return { ...file, format: 'md', title: 'Guide', tags: [], meta: {}, sections: [], ...partial };
}

const word = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/);
const hanzi = fc
  .array(fc.integer({ min: 0x4e00, max: 0x9fa5 }), { minLength: 1, maxLength: 30 })
  .map((cps) => String.fromCodePoint(...cps));
const english = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 40 }), fc.constantFrom('.', '!', '?', '', '...'))
  .map(([words, end]) => words.join(' ') + end);
const chinese = fc.tuple(hanzi, fc.constantFrom('。', '！', '？', '；', '，', '')).map(([s, end]) => s + end);
const mixed = fc
  .array(fc.oneof(word, hanzi), { minLength: 1, maxLength: 20 })
  .chain((parts) => fc.constantFrom('. ', '。', '!', '').map((end) => parts.join(' ') + end));
const separator = fc.constantFrom(' ', '', '\n', '\n\n', '  \n', '\n- ', '\n| ');
const sectionText = fc
  .array(fc.tuple(fc.oneof(english, chinese, mixed), separator), { minLength: 0, maxLength: 60 })
  .map((parts) => parts.map(([s, sep]) => s + sep).join(''));
const sizes = fc
  .tuple(fc.integer({ min: 8, max: 200 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 60 }))
  .map(([target, extra, overlap]) => ({
    targetTokens: target,
    maxTokens: target + extra,
    overlapTokens: overlap,
  }));

describe('splitSection', () => {
  it('loses and reorders nothing: pieces minus their overlap rebuild the text (property)', () => {
    fc.assert(
      fc.property(sectionText, sizes, (text, opts) => {
        const pieces = splitSection(text, opts);
        expect(noWs(pieces.map((p) => p.text.slice(p.overlapChars)).join(''))).toBe(noWs(text));
        pieces.forEach((p, i) => {
          expect(p.text).toBe(p.text.trim());
          expect(estimateTokens(p.text)).toBeLessThanOrEqual(opts.maxTokens);
          const overlap = p.text.slice(0, p.overlapChars);
          if (i === 0) expect(overlap).toBe('');
          else expect(pieces[i - 1]?.text.endsWith(overlap.trimEnd())).toBe(true);
          expect(estimateTokens(overlap)).toBeLessThanOrEqual(
            Math.min(opts.overlapTokens, opts.targetTokens / 2),
          );
        });
      }),
      { numRuns: 300 },
    );
  });

  it('counts the text between sentences: no piece exceeds maxTokens (fast-check seed -1137326225)', () => {
    const text = 'a0a.\n一一一一一一一一一一。 A0a0A0a a0 a0a.\n| 一一一一一一一一一一。\n- ';
    const opts = { targetTokens: 30, maxTokens: 41, overlapTokens: 12 };
    const pieces = splitSection(text, opts);
    for (const p of pieces) expect(estimateTokens(p.text)).toBeLessThanOrEqual(41);
    expect(noWs(pieces.map((p) => p.text.slice(p.overlapChars)).join(''))).toBe(noWs(text));
  });

  it('ends pieces at Chinese and English sentence boundaries and overlaps whole sentences', () => {
    const zh = Array.from({ length: 40 }, (_, i) => `这是第${i}个句子，内容关于退货政策。`).join('');
    const pieces = splitSection(zh, { targetTokens: 60, maxTokens: 80, overlapTokens: 20 });
    expect(pieces.length).toBeGreaterThan(3);
    for (const p of pieces) expect(p.text.endsWith('。')).toBe(true);
    for (const p of pieces.slice(1)) {
      expect(p.overlapChars).toBeGreaterThan(0);
      expect(p.text.slice(0, p.overlapChars)).toMatch(/^这是第\d+个句子/);
    }
    const en = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} is about returns. `).join('');
    for (const p of splitSection(en, { targetTokens: 50, maxTokens: 70 })) expect(p.text).toMatch(/\.$/);
  });

  it('hard-splits a sentence longer than maxTokens, in Latin and in CJK text without spaces', () => {
    const latin = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(' ');
    const cjk = '很'.repeat(3000);
    for (const text of [latin, cjk]) {
      const pieces = splitSection(text, { targetTokens: 100, maxTokens: 150, overlapTokens: 20 });
      expect(pieces.length).toBeGreaterThan(5);
      for (const p of pieces) expect(estimateTokens(p.text)).toBeLessThanOrEqual(150);
      expect(noWs(pieces.map((p) => p.text.slice(p.overlapChars)).join(''))).toBe(noWs(text));
    }
  });

  it('returns nothing for blank text', () => {
    expect(splitSection('  \n\n ')).toEqual([]);
  });
});

describe('chunkDocument', () => {
  it('keeps Markdown heading paths and prefixes them to the embedded text', () => {
    const md =
      '# Returns\nIntro.\n## Apparel\nShirts within 30 days.\n### Sale items\nFinal sale.\n## Shoes\nUnworn only.';
    const chunks = chunkDocument(loadMarkdown(Buffer.from(md), file));
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ['Returns'],
      ['Returns', 'Apparel'],
      ['Returns', 'Apparel', 'Sale items'],
      ['Returns', 'Shoes'],
    ]);
    expect(chunks[2]?.embedText).toBe('Returns\nReturns > Apparel > Sale items\nFinal sale.');
    expect(chunks.map((c) => c.ordinal)).toEqual([0, 1, 2, 3]);
  });

  it('keeps PDF page numbers and never crosses a page', async () => {
    const page = (n: number) =>
      Array.from({ length: 60 }, (_, i) => `Page ${n} line ${i} says something.`).join(' ');
    const pdf = await loadPdf(await makePdf([page(1), page(2)]), { space: 'shop', source: 'manual.pdf' });
    const chunks = chunkDocument(pdf, { targetTokens: 120, maxTokens: 160, overlapTokens: 20 });
    expect(new Set(chunks.map((c) => c.page))).toEqual(new Set([1, 2]));
    for (const c of chunks) expect(c.text).not.toMatch(c.page === 1 ? /Page 2/ : /Page 1/);
  });

  it('makes one chunk per FAQ pair, and repeats the question when a long answer is split', () => {
    const long = Array.from({ length: 200 }, (_, i) => `Step ${i} of the process.`).join(' ');
    const faq = doc({
      format: 'faq',
      sections: [
        { question: 'Do you ship abroad?', text: 'Yes, to 40 countries.' },
        { question: 'How do I return?', text: long },
      ],
    });
    const chunks = chunkDocument(faq, { targetTokens: 200, maxTokens: 260, overlapTokens: 30 });
    expect(chunks[0]?.text).toBe('Q: Do you ship abroad?\nA: Yes, to 40 countries.');
    expect(chunks[0]?.embedText).toBe('Do you ship abroad?\nYes, to 40 countries.');
    expect(chunks[0]?.question).toBe('Do you ship abroad?');
    const rest = chunks.slice(1);
    expect(rest.length).toBeGreaterThan(1);
    for (const c of rest) {
      expect(c.text.startsWith('Q: How do I return?\nA: ')).toBe(true);
      expect(estimateTokens(c.text)).toBeLessThanOrEqual(260);
    }
  });

  it('derives ids from space, source and text, copies metadata, and drops verbatim repeats', () => {
    const d = doc({
      tags: ['returns'],
      meta: { answered_by: 'U1' },
      sections: [{ text: 'Same text.' }, { text: 'Same text.' }, { text: 'Other.' }],
    });
    const chunks = chunkDocument(d);
    expect(chunks.map((c) => c.text)).toEqual(['Same text.', 'Other.']);
    expect(chunks[0]?.id).toBe(chunkId('shop', 'docs/guide.md', 'Same text.'));
    expect(chunks[0]?.id).toMatch(/^[0-9a-f]{24}$/);
    expect(chunkId('other', 'docs/guide.md', 'Same text.')).not.toBe(chunks[0]?.id);
    expect(chunks[1]).toMatchObject({
      tags: ['returns'],
      meta: { answered_by: 'U1' },
      ordinal: 1,
      format: 'md',
    });
  });
});
