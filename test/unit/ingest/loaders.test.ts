import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCopilotError } from '../../../src/errors.js';
import { loadDocument } from '../../../src/ingest/load.js';
import { loadFaq } from '../../../src/ingest/loaders/faq.js';
import { loadHtml } from '../../../src/ingest/loaders/html.js';
import { loadMarkdown } from '../../../src/ingest/loaders/markdown.js';
import { loadPdf } from '../../../src/ingest/loaders/pdf.js';
import { loadText } from '../../../src/ingest/loaders/text.js';
import type { KnowledgeFile } from '../../../src/ingest/scan.js';
import { makePdf, withTempDir } from './fixtures.js';

const ref = (source: string) => ({ source, space: 'shop' });
const buf = (s: string) => Buffer.from(s, 'utf8');

/** Write `content` to a temp file and load it the way the indexer does. */
function loadFile(name: string, content: string | Uint8Array) {
  return withTempDir(async (dir) => {
    const abs = path.join(dir, name);
    await writeFile(abs, content);
    const file: KnowledgeFile = {
      abs,
      source: name,
      space: 'default',
      ext: path.extname(name),
      size: 0,
      mtimeMs: 0,
    };
    return loadDocument(file);
  });
}

async function unreadableReason(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isCopilotError(err, 'ingest:unreadable'))
    throw new Error(`expected ingest:unreadable, got ${String(err)}`);
  return err.message;
}

describe('loadDocument errors', () => {
  it('reports empty, whitespace-only, binary and invalid UTF-8 files', async () => {
    expect(await unreadableReason(loadFile('empty.md', ''))).toBe('empty file');
    expect(await unreadableReason(loadFile('blank.txt', ' \n\t\n'))).toBe('empty file');
    const binary = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x1a, 0x0a]);
    expect(await unreadableReason(loadFile('image.md', binary))).toBe('binary content in a text file (.md)');
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]); // "café ok" in Latin-1
    expect(await unreadableReason(loadFile('old.txt', latin1))).toMatch(/^not valid UTF-8 text/);
  });

  it('reports a file that cannot be read or has no loader', () =>
    withTempDir(async (dir) => {
      const file: KnowledgeFile = {
        abs: dir,
        source: 'x.md',
        space: 'default',
        ext: '.md',
        size: 0,
        mtimeMs: 0,
      };
      expect(await unreadableReason(loadDocument(file))).toBe('cannot read file (EISDIR)');
      expect(await unreadableReason(loadDocument({ ...file, ext: '.pages' }))).toBe(
        'unsupported file type ".pages"',
      );
    }));

  it('reports a corrupt PDF, a PDF without text and an HTML page with nothing but chrome', async () => {
    const pdf = await makePdf(['Some text on page one.', 'More.']);
    expect(await unreadableReason(loadFile('cut.pdf', pdf.subarray(0, 400)))).toMatch(
      /^corrupt or unreadable PDF: /,
    );
    expect(await unreadableReason(loadFile('scan.pdf', await makePdf(['', ''])))).toBe(
      'PDF has no extractable text (scanned image?)',
    );
    const chrome = '<html><body><nav>Home | Shop</nav><script>x()</script></body></html>';
    expect(await unreadableReason(loadFile('menu.html', chrome))).toMatch(/^empty file/);
  });
});

describe('markdown', () => {
  it('reads front matter: title, tags (list or comma string) and other scalars as meta strings', () => {
    const md = `---
title: Return policy
tags: [returns, apparel]
question: Can I return a worn shirt?
answered_by: U123
answered_at: 2026-11-28T10:00:00Z
handoff: h_42
priority: 3
nested: { a: 1 }
---
Worn items cannot be returned.`;
    const doc = loadMarkdown(buf(md), ref('answers/h_42.md'));
    expect(doc.title).toBe('Return policy');
    expect(doc.tags).toEqual(['returns', 'apparel']);
    expect(doc.meta).toEqual({
      question: 'Can I return a worn shirt?',
      answered_by: 'U123',
      answered_at: '2026-11-28T10:00:00.000Z',
      handoff: 'h_42',
      priority: '3',
    });
    expect(doc.sections).toEqual([{ text: 'Worn items cannot be returned.' }]);
    expect(loadMarkdown(buf('---\ntags: a, b ,c\n---\nx'), ref('t.md')).tags).toEqual(['a', 'b', 'c']);
  });

  it('names a document by front matter title, then first H1, then question, then file name', () => {
    expect(loadMarkdown(buf('intro\n\n# Shipping *rates*\ntext'), ref('a.md')).title).toBe('Shipping rates');
    expect(loadMarkdown(buf('---\nquestion: Gift wrap?\n---\nYes.'), ref('answers/x1.md')).title).toBe(
      'Gift wrap?',
    );
    expect(loadMarkdown(buf('plain text'), ref('docs/size-guide_v2.md')).title).toBe('Size guide v2');
  });

  it('treats broken YAML and non-YAML front matter as plain text (never evaluates code)', () => {
    const broken = loadMarkdown(buf('---\ntitle: [unclosed\n---\nBody text.'), ref('b.md'));
    expect(broken.title).toBe('B');
    expect(broken.sections).toEqual([{ text: 'title: [unclosed' }, { text: 'Body text.' }]);
    const js = '---js\n{ title: (globalThis.__pwned = "yes") }\n---\nBody.';
    const doc = loadMarkdown(buf(js), ref('js.md'));
    expect((globalThis as Record<string, unknown>)['__pwned']).toBeUndefined();
    expect(doc.sections.map((x) => x.text).join('\n')).toContain('Body.');
    const rule = loadMarkdown(buf('---\n\nJust a horizontal rule above.'), ref('r.md'));
    expect(rule.sections[0]?.text).toContain('Just a horizontal rule above.');
  });

  it('splits at headings with heading paths, ignoring # inside code fences, keeping tables and lists', () => {
    const md = [
      'Preface line.',
      '# Returns',
      '## Apparel ##',
      '| Size | Days |',
      '|---|---|',
      '| S | 30 |',
      '```sh',
      '# not a heading',
      '```',
      '## Shoes',
      '- unworn',
      '- boxed',
      'Care',
      '====',
      'Wash cold.',
    ].join('\n');
    const doc = loadMarkdown(buf(md), ref('r.md'));
    expect(doc.title).toBe('Returns');
    expect(doc.sections).toEqual([
      { text: 'Preface line.' },
      {
        text: '| Size | Days |\n|---|---|\n| S | 30 |\n```sh\n# not a heading\n```',
        headingPath: ['Returns', 'Apparel'],
      },
      { text: '- unworn\n- boxed', headingPath: ['Returns', 'Shoes'] },
      { text: 'Wash cold.', headingPath: ['Care'] },
    ]);
  });
});

describe('text', () => {
  it('is one section, titled by a short first line or else the file name', () => {
    const doc = loadText(buf('Store hours\r\nMon-Fri 9-5.\r\n'), ref('hours.txt'));
    expect(doc).toMatchObject({
      title: 'Store hours',
      format: 'txt',
      sections: [{ text: 'Store hours\nMon-Fri 9-5.' }],
    });
    expect(loadText(buf(`${'x'.repeat(120)}\nmore`), ref('long-line.txt')).title).toBe('Long line');
  });
});

describe('pdf', () => {
  it('gives one section per page with its page number and the metadata title', async () => {
    const pdf = await makePdf(
      ['Shipping   guide\nWe ship   worldwide.', '', 'Page three text.'],
      'Shipping Guide',
    );
    const doc = await loadPdf(pdf, ref('guide.pdf'));
    expect(doc.title).toBe('Shipping Guide');
    expect(doc.sections).toEqual([
      { text: 'Shipping guide\nWe ship worldwide.', page: 1 },
      { text: 'Page three text.', page: 3 },
    ]);
    expect((await loadPdf(await makePdf(['First line title\nbody']), ref('x.pdf'))).title).toBe(
      'First line title',
    );
  });
});

describe('html', () => {
  it('drops chrome, decodes entities, splits by h1-h3 and renders tables as rows', () => {
    const html = `<!doctype html><html><head><title>Size &amp; Fit</title><style>p{}</style></head><body>
      <header>Logo</header><nav><a href="/">Home</a></nav>
      <h1>Sizing</h1><p>Our shirts run   small &mdash; size up.</p>
      <h2>Chart</h2><table><tr><th>Size</th><th>Chest</th></tr><tr><td>S</td><td>88&nbsp;cm</td></tr></table>
      <h3>Kids</h3><ul><li>Age 4</li><li>Age 6</li></ul>
      <h2>Care</h2><p>Wash cold.<br>Dry flat.</p><script>track()</script>
      <footer>© Shop</footer></body></html>`;
    const doc = loadHtml(buf(html), ref('fit.html'));
    expect(doc.title).toBe('Size & Fit');
    expect(doc.sections).toEqual([
      { text: 'Our shirts run small — size up.', headingPath: ['Sizing'] },
      { text: 'Size | Chest\nS | 88 cm', headingPath: ['Sizing', 'Chart'] },
      { text: '- Age 4\n- Age 6', headingPath: ['Sizing', 'Chart', 'Kids'] },
      { text: 'Wash cold.\nDry flat.', headingPath: ['Sizing', 'Care'] },
    ]);
    expect(loadHtml(buf('<h1>Only H1</h1><p>x</p>'), ref('p.htm')).title).toBe('Only H1');
  });
});

describe('faq', () => {
  it('reads CSV pairs in any column order, with quoted commas and newlines, counting invalid rows', () => {
    const csv = [
      '\uFEFFID,Answer,QUESTION,notes',
      '1,"Yes, within 30 days.",Can I return?,x',
      '2,"Line one\nline two",Multi-line?,',
      '3,,Empty answer?,',
      '4,Orphan answer',
      '',
    ].join('\r\n');
    const doc = loadFaq(buf(csv), ref('faq/shipping.csv'));
    expect(doc.format).toBe('faq');
    expect(doc.title).toBe('Shipping');
    expect(loadFaq(buf('question,answer\nq,a'), ref('faq.csv')).title).toBe('FAQ');
    expect(doc.sections).toEqual([
      { question: 'Can I return?', text: 'Yes, within 30 days.' },
      { question: 'Multi-line?', text: 'Line one\nline two' },
    ]);
    expect(doc.meta['invalid_rows']).toBe('2');
  });

  it('rejects a CSV without question/answer columns', () => {
    expect(() => loadFaq(buf('q,a\nx,y'), ref('f.csv'))).toThrow(/"question" and "answer" columns/);
  });

  it('reads JSONL pairs, skipping bad lines, and rejects a file with no valid pair', () => {
    const jsonl = [
      '{"question":"Gift wrap?","answer":"Yes, $3."}',
      '{"question": "broken", ',
      '',
      '{"question":"No answer"}',
      '{"answer":"x","question":"Store hours?","extra":1}',
    ].join('\n');
    const doc = loadFaq(buf(jsonl), ref('faq.jsonl'));
    expect(doc.sections.map((s) => s.question)).toEqual(['Gift wrap?', 'Store hours?']);
    expect(doc.meta['invalid_rows']).toBe('2');
    expect(() => loadFaq(buf('{"q":1}\nnot json'), ref('bad.jsonl'))).toThrow(
      /no valid question\/answer pairs/,
    );
  });
});
