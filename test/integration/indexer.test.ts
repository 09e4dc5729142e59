import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIndex } from '../../src/ingest/indexer.js';
import { withEmbeddingCache } from '../../src/retrieval/embedders/cache.js';
import { createLocalEmbedder } from '../../src/retrieval/embedders/local.js';
import { INDEX_FORMAT, layout, readCurrentVersion, readManifest } from '../../src/retrieval/index-files.js';
import { openIndex } from '../../src/retrieval/index-reader.js';
import { lexicalShardCount, lexicalShardOf, sourceHash } from '../../src/retrieval/lexical.js';
import type { SearchMode } from '../../src/retrieval/types.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const hnsw = { m: 16, efConstruction: 100, efSearch: 64 };
const root = tmpDir();
const knowledgeDir = path.join(root, 'knowledge');
const indexDir = path.join(root, 'index');

async function ingest(full = false) {
  const embedder = await withEmbeddingCache(
    createLocalEmbedder(),
    path.join(layout.cache(indexDir), 'embeddings'),
  );
  return runIndex({ knowledgeDir, indexDir, embedder, hnsw, maxFileBytes: 10 * 1024 * 1024, full });
}

function open() {
  return openIndex({ indexDir, embedder: createLocalEmbedder(), hnsw });
}

async function sourcesFor(query: string, space = 'default', mode: SearchMode = 'hybrid'): Promise<string[]> {
  return (await open().search(query, { space, k: 20, mode })).map((h) => h.chunk.source);
}

beforeAll(() => {
  writeFiles(knowledgeDir, {
    'spaces.json': JSON.stringify({ spaces: { apparel: { folders: ['apparel/'] } } }),
    'returns.md':
      '---\ntitle: Returns\ntags: [returns]\n---\n# Returns\n\n## Window\n\nItems can be returned within 30 days of delivery for a full refund.\n\n## Damaged items\n\nSend a photo of the damage; we replace the item or refund it.\n',
    'shipping.md':
      '# Shipping\n\nOrders placed before 2pm ship the same day with ParcelCo. Tracking numbers start with PC.\n',
    'fees.txt':
      'Fees\nThe marketplace commission is 8% of the item price plus a fixed fee of 0.30 per order.\n',
    'apparel/returns.md':
      '# Apparel returns\n\nClothing can be returned within 60 days, and size exchanges are free.\n',
  });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('incremental indexing', () => {
  it('builds, then a second run embeds and changes nothing and keeps the version', async () => {
    const first = await ingest();
    expect(first).toMatchObject({ documents: 4, added: 4, updated: 0, removed: 0 });
    expect(first.embedded).toBe(first.chunks);
    const second = await ingest();
    expect(second).toMatchObject({
      embedded: 0,
      added: 0,
      updated: 0,
      removed: 0,
      unchanged: 4,
      version: first.version,
    });
    expect(await sourcesFor('how long do I have to return something?')).toContain('returns.md');
  });

  it('re-embeds only the changed chunks of an edited file', async () => {
    const file = path.join(knowledgeDir, 'returns.md');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Send a photo', 'Send two photos'));
    const run = await ingest();
    expect(run).toMatchObject({ updated: 1, added: 0, unchanged: 3 });
    expect(run.embedded).toBe(1);
    const hits = await open().search('two photos of the damage', { space: 'default', k: 3 });
    expect(hits[0]?.chunk.text).toContain('two photos');
  });

  it('removes a deleted file from every search mode', async () => {
    fs.rmSync(path.join(knowledgeDir, 'shipping.md'));
    const run = await ingest();
    expect(run.removed).toBe(1);
    for (const mode of ['hybrid', 'vector', 'lexical'] as const) {
      expect(await sourcesFor('ParcelCo same day shipping tracking', 'default', mode)).not.toContain(
        'shipping.md',
      );
    }
    expect(readCurrentVersion(indexDir)).toBe(run.version);
  });

  it('keeps spaces apart: an apparel question in default never sees apparel chunks', async () => {
    const sources = await sourcesFor('clothing size exchange 60 days');
    expect(sources.every((s) => !s.startsWith('apparel/'))).toBe(true);
    expect(await sourcesFor('clothing size exchange 60 days', 'apparel')).toEqual(['apparel/returns.md']);
  });

  it('skips bad files with reasons and indexes the rest', async () => {
    writeFiles(knowledgeDir, {
      'broken.pdf': Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nthis is not a real pdf'),
      'empty.md': '',
      'binary.md': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 1, 2]),
      'notes.docx': 'not supported',
      'good.md': '# Warranty\n\nKettles carry a two-year warranty against defects.\n',
    });
    fs.writeFileSync(
      path.join(knowledgeDir, 'huge.txt'),
      Buffer.alloc(20 * 1024 * 1024, 'a big file line\n'),
    );
    const run = await ingest();
    const reasons = Object.fromEntries(run.skipped.map((s) => [s.path, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      'binary.md',
      'broken.pdf',
      'empty.md',
      'huge.txt',
      'notes.docx',
    ]);
    for (const reason of Object.values(reasons)) expect(reason.length).toBeGreaterThan(5);
    expect(reasons['huge.txt']).toMatch(/MAX_FILE_BYTES/);
    expect(await sourcesFor('two-year warranty on kettles')).toContain('good.md');
    // The bad files are remembered: an unchanged bad file does not make the next run rebuild.
    const again = await ingest();
    expect(again).toMatchObject({ added: 0, updated: 0, embedded: 0, version: run.version });
    expect(again.skipped.map((s) => s.path).sort()).toEqual(Object.keys(reasons).sort());
  });

  it('a full rebuild takes every embedding from the cache', async () => {
    const run = await ingest(true);
    expect(run.embedded).toBe(0);
    expect(run.chunks).toBeGreaterThan(0);
  });
});

describe('incremental cost and the writer thread (a space of many files)', () => {
  const base = tmpDir();
  const kb = path.join(base, 'knowledge');
  const idx = path.join(base, 'index');
  const FILES = 80; // enough for planning to load files in the helper thread too
  // Each file has a unique code word, so BM25 can find each one exactly.
  const fileText = (i: number, extra = '') =>
    `# Policy ${i}\n\n## Scope\n\nPolicy ${i} covers code WX${1000 + i} for parcels and refunds.${extra}\n\n## Details\n\nDetail ${i}: settlement happens weekly for merchant ${i}.${extra}\n`;
  const run = async (over: Partial<Parameters<typeof runIndex>[0]> = {}) =>
    runIndex({
      knowledgeDir: kb,
      indexDir: idx,
      embedder: await withEmbeddingCache(createLocalEmbedder(), path.join(layout.cache(idx), 'embeddings')),
      hnsw,
      maxFileBytes: 1 << 20,
      lexicalShardTarget: 20, // about 160 chunks → 8 shards
      ...over,
    });
  const spaceDir = (version: string) => layout.space(layout.version(idx, version), 'default');
  const inodes = (dir: string) =>
    Object.fromEntries(fs.readdirSync(dir).map((n) => [n, fs.statSync(path.join(dir, n)).ino]));
  const lexicalSources = async (query: string) =>
    (
      await openIndex({ indexDir: idx, embedder: createLocalEmbedder(), hnsw }).search(query, {
        space: 'default',
        k: 5,
        mode: 'lexical',
      })
    ).map((h) => h.chunk.source);

  beforeAll(() => {
    writeFiles(kb, Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`p-${i}.md`, fileText(i)])));
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('builds lexical shards in the worker thread and finds every file', async () => {
    const built = await run({ writer: 'worker' });
    const manifest = JSON.parse(fs.readFileSync(path.join(spaceDir(built.version), 'manifest.json'), 'utf8'));
    expect(manifest.lexicalShards).toBeGreaterThan(4);
    for (const i of [0, 17, 39]) expect((await lexicalSources(`WX${1000 + i}`))[0]).toBe(`p-${i}.md`);
  });

  it('an edit to one file rewrites only its lexical shard; other shards and segments are hard-linked', async () => {
    const before = readCurrentVersion(idx) as string;
    const oldDir = spaceDir(before);
    const old = inodes(oldDir);
    fs.appendFileSync(path.join(kb, 'p-7.md'), '\n## New\n\nA fresh paragraph mentioning ZQ7777 coupons.\n');
    const inc = await run({ writer: 'worker' });
    expect(inc).toMatchObject({ updated: 1, unchanged: FILES - 1, embedded: 1 });
    const newDir = spaceDir(inc.version);
    const now = inodes(newDir);
    const manifest = JSON.parse(fs.readFileSync(path.join(newDir, 'manifest.json'), 'utf8'));
    // Of the lexical shards and the chunk-list parts of the manifest, only p-7's are rewritten.
    const shard = lexicalShardOf('p-7.md', manifest.lexicalShards);
    for (const prefix of ['lexical-', 'chunks-']) {
      const files = Object.keys(old).filter((n) => n.startsWith(prefix));
      expect(files.length).toBe(manifest.lexicalShards);
      for (const name of files) {
        if (name === `${prefix}${shard}.json`) expect(now[name]).not.toBe(old[name]);
        else expect(now[name], name).toBe(old[name]);
      }
    }
    expect(manifest.files['p-7.md']).toMatchObject({ count: 3 });
    expect(manifest.files['p-7.md'].chunks).toBeUndefined();
    expect(readManifest(newDir).files['p-7.md']?.chunks).toHaveLength(3);
    const oldSegments = Object.keys(old).filter((n) => n.startsWith('seg-'));
    for (const seg of oldSegments) expect(now[seg], seg).toBe(old[seg]);
    expect(manifest.segments).toEqual([...oldSegments.sort(), expect.stringMatching(/^seg-/)]);
    // Vectors: the base and older deltas are hard-linked; the edit is one new flat delta.
    const oldVectors = JSON.parse(fs.readFileSync(path.join(oldDir, 'manifest.json'), 'utf8')).vectors;
    expect(now[oldVectors.base]).toBe(old[oldVectors.base]);
    expect(manifest.vectors.base).toBe(oldVectors.base);
    expect(manifest.vectors.deltas).toEqual([
      ...oldVectors.deltas,
      { file: expect.stringMatching(/^vflat-/), kind: 'flat', count: 1 },
    ]);
    expect(await lexicalSources('ZQ7777')).toEqual(['p-7.md']);
    expect((await lexicalSources('WX1007'))[0]).toBe('p-7.md');
    expect((await lexicalSources('WX1023'))[0]).toBe('p-23.md');
  });

  it('a removed file leaves every search mode, and its shard alone is rewritten', async () => {
    const before = readCurrentVersion(idx) as string;
    const old = inodes(spaceDir(before));
    fs.rmSync(path.join(kb, 'p-11.md'));
    const inc = await run({ writer: 'inline' });
    expect(inc.removed).toBe(1);
    const now = inodes(spaceDir(inc.version));
    const changed = Object.keys(old).filter((n) => n.startsWith('lexical-') && now[n] !== old[n]);
    expect(changed).toHaveLength(1);
    const index = openIndex({ indexDir: idx, embedder: createLocalEmbedder(), hnsw });
    for (const mode of ['hybrid', 'vector', 'lexical'] as const) {
      const hits = await index.search('Policy 11 covers code WX1011', { space: 'default', k: 40, mode });
      expect(hits.map((h) => h.chunk.source)).not.toContain('p-11.md');
    }
  });

  it.each(['throw', 'exit'] as const)(
    'a writer thread that fails (%s) fails the run and the previous version keeps serving',
    async (fault) => {
      const before = readCurrentVersion(idx) as string;
      fs.appendFileSync(
        path.join(kb, 'p-3.md'),
        `\n## Fault ${fault}\n\nAnother paragraph about ${fault} handling.\n`,
      );
      await expect(run({ writer: 'worker', writerFault: fault })).rejects.toThrow(/writer/i);
      expect(readCurrentVersion(idx)).toBe(before);
      expect(fs.readdirSync(layout.versions(idx)).some((n) => n.includes('.tmp-'))).toBe(false);
      expect((await lexicalSources('WX1003'))[0]).toBe('p-3.md');
      const next = await run({ writer: 'worker' });
      expect(next.version).not.toBe(before);
      expect(next.updated).toBe(1);
    },
  );

  it('compaction and resharding rebuild the lexical index from the segments', async () => {
    const rewriteAll = (extra: string) => {
      for (let i = 0; i < FILES; i++) {
        if (i !== 11) fs.writeFileSync(path.join(kb, `p-${i}.md`), fileText(i, ` ${extra} ${i}.`));
      }
    };
    const before = readCurrentVersion(idx) as string;
    const m0 = JSON.parse(fs.readFileSync(path.join(spaceDir(before), 'manifest.json'), 'utf8'));
    expect(m0.segments.length).toBeGreaterThan(1);
    expect(m0.deadRecords).toBeGreaterThan(0);
    // Every chunk rewritten: dead records outnumber live ones, so the segments are compacted.
    rewriteAll('Revised again');
    const twice = await run({ writer: 'worker' });
    const m2 = JSON.parse(fs.readFileSync(path.join(spaceDir(twice.version), 'manifest.json'), 'utf8'));
    expect(m2).toMatchObject({ deadRecords: 0, lexicalShards: m0.lexicalShards });
    expect(m2.segments).toHaveLength(1);
    expect((await lexicalSources('WX1031'))[0]).toBe('p-31.md');
    expect(await lexicalSources('Revised again 31')).toContain('p-31.md');
    // A space grown to twice its shard count gets every shard rebuilt at the new count.
    fs.appendFileSync(path.join(kb, 'p-5.md'), '\nOne more line.\n');
    const grown = await run({ writer: 'inline', lexicalShardTarget: 2 });
    const m3 = JSON.parse(fs.readFileSync(path.join(spaceDir(grown.version), 'manifest.json'), 'utf8'));
    expect(m3.lexicalShards).toBe(lexicalShardCount(grown.chunks, 2));
    expect(m3.lexicalShards).toBeGreaterThanOrEqual(2 * m2.lexicalShards);
    for (const i of [0, 5, 39]) expect((await lexicalSources(`WX${1000 + i}`))[0]).toBe(`p-${i}.md`);
    expect(await lexicalSources('WX1011')).toEqual([]);
  });

  it('a helper thread that fails while loading files fails the run; the previous version keeps serving', async () => {
    const before = readCurrentVersion(idx) as string;
    await expect(run({ full: true, writerFault: 'throw' })).rejects.toThrow(/loading files/i);
    await expect(run({ full: true, writerFault: 'exit' })).rejects.toThrow(/exited|crashed/i);
    expect(readCurrentVersion(idx)).toBe(before);
    expect(fs.readdirSync(layout.versions(idx)).some((n) => n.includes('.tmp-'))).toBe(false);
    expect((await lexicalSources('WX1046'))[0]).toBe('p-46.md');
    // A full rebuild with the helper loads every file (main thread and helper) and changes nothing.
    const full = await run({ full: true, writer: 'worker' });
    expect(full).toMatchObject({ documents: FILES - 1, added: FILES - 1, embedded: 0 });
    expect((await lexicalSources('WX1046'))[0]).toBe('p-46.md');
  });
});

describe('index format 1 (one lexical.json)', () => {
  it('is still served, and the next run rebuilds it as the current format with a warning', async () => {
    const base = tmpDir();
    const kb = path.join(base, 'knowledge');
    const idx = path.join(base, 'index');
    writeFiles(kb, { 'a.md': '# Alpha\n\nCoupon code KETTLE20 gives 20% off kettles.\n' });
    const embedder = createLocalEmbedder();
    const opts = { knowledgeDir: kb, indexDir: idx, embedder, hnsw, maxFileBytes: 1 << 20 };
    const first = await runIndex(opts);
    // Turn it into what format 1 wrote: one lexical.json, no shard count in the manifest.
    const versionDir = layout.version(idx, first.version);
    const spaceDir = layout.space(versionDir, 'default');
    fs.renameSync(path.join(spaceDir, 'lexical-0.json'), path.join(spaceDir, 'lexical.json'));
    const manifest = JSON.parse(fs.readFileSync(path.join(spaceDir, 'manifest.json'), 'utf8'));
    delete manifest.lexicalShards;
    delete manifest.deadRecords;
    fs.writeFileSync(path.join(spaceDir, 'manifest.json'), JSON.stringify(manifest));
    const meta = JSON.parse(fs.readFileSync(path.join(versionDir, 'meta.json'), 'utf8'));
    fs.writeFileSync(path.join(versionDir, 'meta.json'), JSON.stringify({ ...meta, format: 1 }));

    const old = openIndex({ indexDir: idx, embedder, hnsw });
    expect((await old.search('KETTLE20', { space: 'default', mode: 'lexical' }))[0]?.chunk.source).toBe(
      'a.md',
    );
    const warnings: string[] = [];
    const next = await runIndex({ ...opts, warn: (msg) => warnings.push(msg) });
    expect(warnings.join('\n')).toMatch(/format changed/);
    expect(next.version).not.toBe(first.version);
    const fresh = openIndex({ indexDir: idx, embedder, hnsw });
    expect(fresh.meta.format).toBe(INDEX_FORMAT);
    expect((await fresh.search('KETTLE20', { space: 'default', mode: 'lexical' }))[0]?.chunk.source).toBe(
      'a.md',
    );
    fs.rmSync(base, { recursive: true, force: true });
  });
});

describe('a streamed full build (files load in the helper thread while this thread inserts)', () => {
  const base = tmpDir();
  const kb = path.join(base, 'knowledge');
  // 3 chunks each: more than one embedding batch (512) before loading ends, and more than the
  // HNSW's first capacity (1,024), which grows.
  const FILES = 360;
  const fileText = (i: number) =>
    `# Guide ${i}\n\n## Scope\n\nGuide ${i} covers code QV${3000 + i} for parcels.\n\n## Refunds\n\nRefund rule ${i}: money back within ${i % 30} days.\n\n## Contacts\n\nDesk ${i} answers on weekdays.\n`;
  beforeAll(() => {
    writeFiles(kb, {
      ...Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`g-${i}.md`, fileText(i)])),
      'broken.pdf': 'not a pdf at all',
      'blank.md': '   \n',
    });
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  const build = async (writer: 'worker' | 'inline', idx: string) => {
    const events: string[] = [];
    const inner = createLocalEmbedder();
    const embedder = {
      ...inner,
      embedDocuments: (texts: string[]) => {
        events.push('embed');
        return inner.embedDocuments(texts);
      },
    };
    const summary = await runIndex({
      knowledgeDir: kb,
      indexDir: idx,
      embedder,
      hnsw,
      maxFileBytes: 1 << 20,
      lexicalShardTarget: 50,
      writer,
      onProgress: (p) => events.push(p.phase),
    });
    return { summary, events, spaceDir: layout.space(layout.version(idx, summary.version), 'default') };
  };
  const segmentRecords = (dir: string) =>
    fs
      .readdirSync(dir)
      .filter((n) => n.startsWith('seg-'))
      .flatMap((n) => fs.readFileSync(path.join(dir, n), 'utf8').split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as { label: number })
      .sort((a, b) => a.label - b.label);

  it('embeds before loading ends, and writes the same index as loading first', async () => {
    const streamed = await build('worker', path.join(base, 'streamed'));
    const plain = await build('inline', path.join(base, 'plain'));
    // Streamed: chunks were sent to the embedder while files were still loading; plain: never.
    const lastLoad = (events: string[]) => events.lastIndexOf('load');
    expect(streamed.events.indexOf('embed')).toBeLessThan(lastLoad(streamed.events));
    expect(plain.events.indexOf('embed')).toBeGreaterThan(lastLoad(plain.events));
    // Progress moves forward in both: load, then index, never back to load.
    const phases = (events: string[]) =>
      events.filter((e) => e !== 'embed').filter((e, i, all) => e !== all[i - 1]);
    expect(phases(streamed.events)).toEqual(['scan', 'load', 'index', 'write', 'done']);
    expect(phases(plain.events)).toEqual(['scan', 'load', 'index', 'write', 'done']);

    const { version: _v1, ms: _m1, ...a } = streamed.summary;
    const { version: _v2, ms: _m2, ...b } = plain.summary;
    expect(a).toEqual(b);
    expect(a).toMatchObject({ documents: FILES, chunks: 3 * FILES, added: FILES });
    expect(a.skipped.map((s) => s.path).sort()).toEqual(['blank.md', 'broken.pdf']);
    // Same files, chunks, skipped list and shard count. Labels follow another order (the hash of
    // the path: the first file in it holds label 0), but each chunk has the same record, vector
    // and lexical hits.
    const ma = readManifest(streamed.spaceDir);
    const mb = readManifest(plain.spaceDir);
    const unlabelled = (m: typeof ma) => ({
      ...m,
      segments: [],
      vectors: null,
      files: Object.fromEntries(
        Object.entries(m.files).map(([source, e]) => [source, { ...e, chunks: e.chunks?.map((c) => c.id) }]),
      ),
    });
    expect(unlabelled(ma)).toEqual(unlabelled(mb));
    expect(ma.lexicalShards).toBe(lexicalShardCount(3 * FILES, 50));
    expect(Object.keys(ma.skipped ?? {}).sort()).toEqual(['blank.md', 'broken.pdf']);
    const labels = Object.values(ma.files).flatMap((e) => e.chunks?.map((c) => c.label) ?? []);
    expect(labels.sort((x, y) => x - y)).toEqual(Array.from({ length: 3 * FILES }, (_, i) => i));
    const first = Object.keys(ma.files).sort((x, y) => sourceHash(x) - sourceHash(y))[0] as string;
    expect(ma.files[first]?.chunks?.[0]?.label).toBe(0);
    const records = (dir: string) =>
      segmentRecords(dir)
        .map(({ label: _, ...chunk }) => chunk as { source: string; id: string })
        .sort((x, y) => (`${x.source}\0${x.id}` < `${y.source}\0${y.id}` ? -1 : 1));
    expect(records(streamed.spaceDir)).toEqual(records(plain.spaceDir));
    const open = (name: string) =>
      openIndex({ indexDir: path.join(base, name), embedder: createLocalEmbedder(), hnsw });
    const [ia, ib] = [open('streamed'), open('plain')];
    const [sa, sb] = [ia.space('default'), ib.space('default')];
    for (const [source, n] of [
      ['g-0.md', 0],
      ['g-101.md', 2],
      [first, 1],
    ] as const) {
      const la = ma.files[source]?.chunks?.[n]?.label as number;
      const lb = mb.files[source]?.chunks?.[n]?.label as number;
      expect(sa?.vectors.vector(la)).toEqual(sb?.vectors.vector(lb));
    }
    for (let i = 0; i < FILES; i++) {
      const top = async (index: typeof ia) =>
        (await index.search(`code QV${3000 + i}`, { space: 'default', k: 3, mode: 'lexical' }))[0]?.chunk
          .source;
      expect(await top(ia)).toBe(`g-${i}.md`);
      expect(await top(ib)).toBe(`g-${i}.md`);
    }
    // The next run reads nothing: the skipped files are remembered until they change.
    const again = await build('worker', path.join(base, 'streamed'));
    expect(again.summary).toMatchObject({ added: 0, updated: 0, version: streamed.summary.version });
  });
});
