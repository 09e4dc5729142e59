import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexSummary } from '../../src/domain/documents.js';
import { runIndex } from '../../src/ingest/indexer.js';
import { createLocalEmbedder } from '../../src/retrieval/embedders/local.js';
import { openIndex } from '../../src/retrieval/index-reader.js';
import { runScript } from '../helpers/cli.js';
import { REPO_ROOT, tmpDir, writeFiles } from '../helpers/tmp.js';

// Malformed knowledge through the real indexer and the real `npm run ingest`: every bad entry is
// skipped with a reason, everything else is indexed, nothing crashes or hangs.
const hnsw = { m: 16, efConstruction: 100, efSearch: 64 };
const root = tmpDir();
const knowledgeDir = path.join(root, 'knowledge');
const indexDir = path.join(root, 'index');
const MB = 1024 * 1024;
const blanks = ' '.repeat(100_000);
let run: IndexSummary;

const index = (maxFileBytes = 10 * MB) =>
  runIndex({ knowledgeDir, indexDir, embedder: createLocalEmbedder(), hnsw, maxFileBytes });
const reasons = (s: IndexSummary) => Object.fromEntries(s.skipped.map((x) => [x.path, x.reason]));

beforeAll(async () => {
  const samplePdf = fs.readFileSync(path.join(REPO_ROOT, 'knowledge', 'payout-and-settlement-guide.pdf'));
  writeFiles(knowledgeDir, {
    'spaces.json': JSON.stringify({ spaces: { shop: {} } }),
    'good.md': '# Gift wrap\n\nGift wrapping costs 4.95 per item and is available on all kettles.\n',
    'shop/good.txt': 'Loyalty\nMembers earn two points per dollar spent in the shop.\n',
    // Corrupt PDFs: a header and garbage, a real one cut in half, random bytes.
    'broken.pdf': '%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nthis is not a real pdf',
    'truncated.pdf': samplePdf.subarray(0, Math.floor(samplePdf.length / 2)),
    'random.pdf': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    // Invalid UTF-8 in every text format.
    'latin1.txt': Buffer.from('Caf\xe9 cr\xe8me br\xfbl\xe9e', 'latin1'),
    'bad-utf8.md': Buffer.concat([Buffer.from('# Title\n\n'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1])]),
    'bad-utf8.csv': Buffer.concat([Buffer.from('question,answer\nq,'), Buffer.from([0xff, 0xfe])]),
    'bad-utf8.jsonl': Buffer.concat([
      Buffer.from('{"question":"q","answer":"'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}\n'),
    ]),
    'bad-utf8.html': Buffer.concat([
      Buffer.from('<p>'),
      Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
      Buffer.from('</p>'),
    ]),
    // Nesting deep enough to overflow a recursive parser.
    'deep.html': `${'<div>'.repeat(200_000)}deep${'</div>'.repeat(200_000)}`,
    // Regression: long runs of blanks once made two regexes backtrack for minutes (see tidy, atxHeading).
    'blanks.md': `# Shipping${blanks}#${blanks}x\n\nParcels leave the warehouse within one business day.${blanks}x\n`,
    // Front matter in JavaScript would be eval()'d by gray-matter: it must stay text.
    'js-front-matter.md':
      '---js\n{ title: (globalThis.PWNED_BY_KB = 1, "pwned") }\n---\n# Returns desk\n\nThe returns desk opens at 9am.\n',
    [`shop/${Array.from({ length: 40 }, (_, i) => `d${i + 1}`).join('/')}/deep.md`]: '# Deep\n\nToo deep.\n',
  });
  // 50 MB, sparse: the scanner must refuse it by size without reading it.
  fs.writeFileSync(path.join(knowledgeDir, 'huge.txt'), '');
  fs.truncateSync(path.join(knowledgeDir, 'huge.txt'), 50 * MB);
  // Symlink loops (a folder linking to its parent, two files linking to each other) and links out.
  fs.symlinkSync('..', path.join(knowledgeDir, 'shop', 'loop'));
  fs.symlinkSync('pong.md', path.join(knowledgeDir, 'shop', 'ping.md'));
  fs.symlinkSync('ping.md', path.join(knowledgeDir, 'shop', 'pong.md'));
  fs.symlinkSync('/etc/passwd', path.join(knowledgeDir, 'passwd.txt'));
  fs.symlinkSync('/etc', path.join(knowledgeDir, 'shop', 'etc'));
  run = await index();
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('malformed knowledge files', () => {
  it('are each skipped with a reason that says what is wrong', () => {
    const r = reasons(run);
    expect(r).toMatchObject({
      'broken.pdf': expect.stringMatching(/pdf|parse/i),
      'truncated.pdf': expect.stringMatching(/pdf|parse/i),
      'random.pdf': expect.stringMatching(/pdf|parse/i),
      'latin1.txt': expect.stringMatching(/UTF-8/),
      'bad-utf8.md': expect.stringMatching(/UTF-8/),
      'bad-utf8.csv': expect.stringMatching(/UTF-8/),
      'bad-utf8.jsonl': expect.stringMatching(/UTF-8/),
      'bad-utf8.html': expect.stringMatching(/UTF-8/),
      'deep.html': expect.stringMatching(/could not parse/),
      'huge.txt': 'file is 50 MB, over the 10 MB limit (MAX_FILE_BYTES)',
      'shop/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16':
        expect.stringMatching(/nested deeper than 16/),
      'shop/loop': expect.stringMatching(/symbolic link loop/),
      'shop/ping.md': expect.stringMatching(/ELOOP|broken/),
      'shop/pong.md': expect.stringMatching(/ELOOP|broken/),
      'passwd.txt': 'symbolic link points outside the knowledge folder',
      'shop/etc': 'symbolic link points outside the knowledge folder',
    });
    expect(run.skipped).toHaveLength(Object.keys(r).length);
  });

  it('do not stop the rest from being indexed', async () => {
    expect(run.documents).toBe(4);
    const idx = openIndex({ indexDir, embedder: createLocalEmbedder(), hnsw });
    const top = async (q: string, space: string) => (await idx.search(q, { space, k: 3 }))[0]?.chunk.source;
    expect(await top('how much is gift wrapping?', 'default')).toBe('good.md');
    expect(await top('loyalty points per dollar', 'shop')).toBe('shop/good.txt');
    expect(await top('when do parcels leave the warehouse?', 'default')).toBe('blanks.md');
    expect(await top('when does the returns desk open?', 'default')).toBe('js-front-matter.md');
    expect((globalThis as { PWNED_BY_KB?: number }).PWNED_BY_KB).toBeUndefined();
    const sources = idx.spaces().flatMap((s) => Object.keys(idx.space(s)?.manifest.files ?? {}));
    expect(sources.some((s) => s.includes('passwd') || s.includes('etc/'))).toBe(false);
  });

  it('a 50 MB file under a raised limit is read and refused for its content, not a crash', async () => {
    const again = await index(64 * MB);
    expect(reasons(again)['huge.txt']).toMatch(/binary content/);
    expect(again.documents).toBe(4);
  }, 120_000);

  it('npm run ingest reports the same skips as JSON and exits 0', async () => {
    const cli = await runScript('ingest', [
      '--knowledge',
      knowledgeDir,
      '--index',
      path.join(root, 'cli-index'),
      '--json',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const summary = JSON.parse(cli.stdout) as IndexSummary;
    expect(summary.documents).toBe(4);
    expect(Object.keys(reasons(summary)).sort()).toEqual(Object.keys(reasons(run)).sort());
  }, 120_000);
});
