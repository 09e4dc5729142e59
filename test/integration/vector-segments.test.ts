import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, sectionText } from '../../src/bench/corpus.js';
import { runIndex } from '../../src/ingest/indexer.js';
import { inProcessLock } from '../../src/ingest/job-lock.js';
import { mergeInWorker, mergeSegments } from '../../src/ingest/merge.js';
import { createReindexer } from '../../src/ingest/reindexer.js';
import { createLocalEmbedder } from '../../src/retrieval/embedders/local.js';
import { INDEX_FORMAT, layout, readCurrentVersion, readManifest } from '../../src/retrieval/index-files.js';
import { IndexHolder } from '../../src/retrieval/index-holder.js';
import { openIndex } from '../../src/retrieval/index-reader.js';
import { startIndexSync } from '../../src/retrieval/index-sync.js';
import type { SpaceManifest } from '../../src/retrieval/space-index.js';
import { FLAT_DELTA_MAX, type VectorSegmentsManifest } from '../../src/retrieval/vector-segments.js';
import { waitFor } from '../helpers/redis-server.js';
import { REPO_ROOT, tmpDir, writeFiles } from '../helpers/tmp.js';

// efSearch above the chunk count: HNSW search is exact on these small fixtures, so a segmented
// index and a single index of the same chunks must return the same passages.
const hnsw = { m: 16, efConstruction: 200, efSearch: 2000 };
const embedder = createLocalEmbedder();
const root = tmpDir();
const kb = path.join(root, 'knowledge');
const idx = path.join(root, 'index');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const topics = ['refunds', 'shipping', 'warranty', 'coupons', 'payouts', 'invoices', 'returns', 'sizes'];
const doc = (i: number, extra = '') =>
  `# ${topics[i % topics.length]} policy ${i}\n\n## Scope\n\nPolicy ${i} covers ${topics[(i + 3) % topics.length]} for merchant ${i} and code QX${100 + i}.${extra}\n\n## Details\n\nDetail ${i}: settlement of ${topics[(i + 5) % topics.length]} happens within ${i % 9} days.${extra}\n`;
const index = (dir = idx, over: Partial<Parameters<typeof runIndex>[0]> = {}) =>
  runIndex({ knowledgeDir: kb, indexDir: dir, embedder, hnsw, maxFileBytes: 1 << 20, ...over });
const open = (dir = idx) => openIndex({ indexDir: dir, embedder, hnsw });
const manifestOf = (dir = idx, version = readCurrentVersion(dir) as string): SpaceManifest =>
  readManifest(layout.space(layout.version(dir, version), 'default'));
const vectorsOf = (dir = idx): VectorSegmentsManifest => manifestOf(dir).vectors as VectorSegmentsManifest;

const queries = [
  'how long do refunds take',
  'shipping for merchant 12',
  'warranty settlement days',
  'coupon code QX117',
  'payouts policy details',
  'a brand new paragraph about gift wrapping',
];

/**
 * Vector results as (source, chunk id, similarity), comparable across indexes with other labels.
 * Equal similarities (the fixture has exact ties) are put in key order, and ties at the k-th
 * place are cut: which of them makes the top k is arbitrary in any index.
 */
async function results(dir: string, k = 12): Promise<string[][]> {
  const ix = open(dir);
  const out: string[][] = [];
  for (const q of queries) {
    const hits = await ix.search(q, { space: 'default', k: k + 1, mode: 'vector' });
    const rows = hits.map((h) => ({
      sim: (h.similarity ?? 0).toFixed(4),
      key: `${h.chunk.source}#${h.chunk.id}`,
    }));
    const cut = rows.length > k ? (rows[k] as { sim: string }).sim : null;
    out.push(
      rows
        .filter((r) => r.sim !== cut)
        .sort((a, b) => (a.sim === b.sim ? a.key.localeCompare(b.key) : Number(b.sim) - Number(a.sim)))
        .map((r) => `${r.key}@${r.sim}`),
    );
  }
  return out;
}

beforeAll(async () => {
  writeFiles(kb, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p-${i}.md`, doc(i)])));
  await index();
});

describe('vector segments', () => {
  it('an incremental run writes a delta and tombstones; the base is shared, not copied', async () => {
    const v0 = vectorsOf();
    expect(v0).toMatchObject({ deltas: [], tombstones: [] });
    const before = readCurrentVersion(idx) as string;
    const oldLabels = manifestOf().files['p-5.md']?.chunks.map((c) => c.label) ?? [];
    fs.writeFileSync(path.join(kb, 'p-5.md'), doc(5, ' Rewritten with gift wrapping notes'));
    fs.rmSync(path.join(kb, 'p-9.md'));
    writeFiles(kb, {
      'new.md': '# Gift wrap\n\nA brand new paragraph about gift wrapping for the holidays.\n',
    });
    const run = await index();
    expect(run).toMatchObject({ updated: 1, removed: 1, added: 1 });
    const v1 = vectorsOf();
    expect(v1.base).toBe(v0.base);
    const baseFile = (v: string) => path.join(layout.space(layout.version(idx, v), 'default'), v0.base);
    expect(fs.statSync(baseFile(run.version)).ino).toBe(fs.statSync(baseFile(before)).ino);
    expect(v1.deltas).toHaveLength(1);
    expect(v1.deltas[0]).toMatchObject({ kind: 'flat', count: run.embedded });
    // The replaced chunks of p-5 and every chunk of p-9 are tombstoned.
    expect(v1.tombstones).toEqual(expect.arrayContaining(oldLabels));
    expect(v1.tombstones.length).toBe(oldLabels.length + 2);
  });

  it('deleted and replaced chunks are never returned; their new text is', async () => {
    for (const mode of ['vector', 'hybrid', 'lexical'] as const) {
      const hits = await open().search('Policy 9 covers code QX109', { space: 'default', k: 100, mode });
      expect(hits.map((h) => h.chunk.source)).not.toContain('p-9.md');
      const p5 = (await open().search('policy 5', { space: 'default', k: 100, mode })).filter(
        (h) => h.chunk.source === 'p-5.md',
      );
      expect(p5.length).toBeGreaterThan(0);
      for (const h of p5) expect(h.chunk.text).toContain('gift wrapping');
    }
    const hit = (
      await open().search('gift wrapping for the holidays', { space: 'default', k: 1, mode: 'vector' })
    )[0];
    expect(hit?.chunk.source).toBe('new.md');
  });

  it('searching base + deltas returns what one index of the same chunks returns', {
    timeout: 240_000,
  }, async () => {
    // More deltas: several small runs, then one larger than a flat delta (an HNSW delta).
    fs.appendFileSync(path.join(kb, 'p-1.md'), '\n## Later\n\nRefunds for merchant 1 now take 3 days.\n');
    await index();
    fs.rmSync(path.join(kb, 'p-2.md'));
    await index();
    // Generated text (as the bench's corpus): near-duplicate passages would make any HNSW graph,
    // segmented or not, leave some points unreachable, and the comparison would test luck.
    const rand = mulberry32(11);
    const vocab = Array.from({ length: 400 }, (_, i) => `term${i}`);
    const many = Object.fromEntries(
      Array.from({ length: FLAT_DELTA_MAX + 20 }, (_, i) => [
        `bulk/b-${i}.md`,
        `# Bulk ${i}\n\n${sectionText(rand, i % 12, vocab).slice(0, 300)}\n`,
      ]),
    );
    writeFiles(kb, many);
    await index();
    const v = vectorsOf();
    expect(v.deltas.map((d) => d.kind)).toEqual(['flat', 'flat', 'hnsw']);
    expect(v.tombstones.length).toBeGreaterThan(0);

    const single = path.join(root, 'single');
    await index(single, { full: true });
    expect(vectorsOf(single)).toMatchObject({ deltas: [], tombstones: [] });
    const got = await results(idx);
    expect(got.flat().length).toBeGreaterThan(queries.length * 8);
    expect(got).toEqual(await results(single));
  });

  it('a merge folds deltas and tombstones into a new base and keeps the results', async () => {
    const before = await results(idx);
    const oldVersion = readCurrentVersion(idx) as string;
    const oldDeltas = vectorsOf().deltas.map((d) => d.file);
    const merged = await mergeSegments({ indexDir: idx, hnsw, force: true });
    expect(merged.spaces).toEqual(['default']);
    expect(merged.version).not.toBe(oldVersion);
    expect(readCurrentVersion(idx)).toBe(merged.version);
    const v = vectorsOf();
    expect(v).toMatchObject({ deltas: [], tombstones: [] });
    expect(v.baseCount).toBe(open().space('default')?.size);
    const dir = layout.space(layout.version(idx, merged.version as string), 'default');
    for (const f of oldDeltas) expect(fs.existsSync(path.join(dir, f))).toBe(false);
    expect(await results(idx)).toEqual(before);
    // Nothing left to merge: no new version.
    expect((await mergeSegments({ indexDir: idx, hnsw, force: true })).version).toBeNull();
  });

  it('old segment files go away with the last version that names them', async () => {
    const first = vectorsOf().base;
    for (let i = 0; i < 4; i++) {
      fs.appendFileSync(path.join(kb, `p-${20 + i}.md`), `\nChange ${i}.\n`);
      await index();
    }
    await mergeSegments({ indexDir: idx, hnsw, force: true });
    for (let i = 0; i < 3; i++) {
      fs.appendFileSync(path.join(kb, `p-${30 + i}.md`), `\nMore ${i}.\n`);
      await index();
    }
    // Every file a version holds is named by its manifest (no orphans), the merged-away base is
    // in no version any more (its storage is gone), and the current base is one file linked from
    // every version that uses it.
    const versions = fs.readdirSync(layout.versions(idx));
    const current = vectorsOf().base;
    let sharing = 0;
    let currentIno = -1;
    for (const v of fs.readdirSync(layout.versions(idx))) {
      const dir = layout.space(layout.version(idx, v), 'default');
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SpaceManifest;
      const vec = m.vectors as VectorSegmentsManifest;
      const named = new Set([
        'manifest.json',
        vec.base,
        ...vec.deltas.map((d) => d.file),
        ...m.segments,
        ...Array.from({ length: m.lexicalShards ?? 1 }, (_, i) => `lexical-${i}.json`),
        ...Array.from({ length: m.lexicalShards ?? 1 }, (_, i) => `chunks-${i}.json`),
      ]);
      for (const f of fs.readdirSync(dir)) {
        expect(named.has(f), `${v}/${f}`).toBe(true);
        expect(f).not.toBe(first);
      }
      if (vec.base === current) {
        sharing++;
        const ino = fs.statSync(path.join(dir, current)).ino;
        if (currentIno !== -1) expect(ino).toBe(currentIno);
        currentIno = ino;
        expect(fs.statSync(path.join(dir, current)).nlink).toBeGreaterThanOrEqual(sharing);
      }
    }
    expect(versions.length).toBeGreaterThan(1);
    expect(sharing).toBe(versions.length);
  });

  it('a merge that crashes before publishing leaves the old version serving', async () => {
    fs.appendFileSync(path.join(kb, 'p-3.md'), '\n## Crash\n\nA paragraph written before a crashed merge.\n');
    const run = await index();
    const before = await results(idx);
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'helpers', 'merge-crash.ts'), idx],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.status, child.stderr).toBe(9);
    // The merged base was written into a temp version that was never published.
    const leftovers = fs.readdirSync(layout.versions(idx)).filter((n) => n.includes('.tmp-'));
    expect(leftovers).toHaveLength(1);
    const tmpSpace = layout.space(path.join(layout.versions(idx), leftovers[0] as string), 'default');
    expect(fs.readdirSync(tmpSpace).some((f) => f.startsWith('hnsw-'))).toBe(true);
    expect(readCurrentVersion(idx)).toBe(run.version);
    expect(vectorsOf().deltas.length).toBeGreaterThan(0);
    expect(await results(idx)).toEqual(before);
    // The next merge succeeds and clears what the crashed one left.
    const merged = await mergeSegments({ indexDir: idx, hnsw, force: true });
    expect(merged.version).not.toBeNull();
    expect(fs.readdirSync(layout.versions(idx)).some((n) => n.includes('.tmp-'))).toBe(false);
    expect(await results(idx)).toEqual(before);
  });

  it('a replica picks up a version with a delta, and the merged one after it', async () => {
    const logger = pino({ level: 'silent' });
    const replica = new IndexHolder({ indexDir: idx, embedder, hnsw });
    const sync = startIndexSync({ holder: replica, logger, pollMs: 50 });
    try {
      writeFiles(kb, { 'late.md': '# Late\n\nTurquoise teapots ship from the northern warehouse.\n' });
      const run = await index();
      await waitFor(() => replica.current().version === run.version, 5000, 20);
      const hit = await replica
        .current()
        .search('turquoise teapots warehouse', { space: 'default', k: 1, mode: 'vector' });
      expect(hit[0]?.chunk.source).toBe('late.md');
      const merged = await mergeSegments({ indexDir: idx, hnsw, force: true });
      await waitFor(() => replica.current().version === merged.version, 5000, 20);
      const again = await replica
        .current()
        .search('turquoise teapots warehouse', { space: 'default', k: 1, mode: 'vector' });
      expect(again[0]?.chunk.source).toBe('late.md');
    } finally {
      await sync.stop();
    }
  });

  it('the reindexer merges in the background once deltas pass the ratio, and publishes it', async () => {
    const published: string[] = [];
    const reindexer = createReindexer({
      run: () => index(),
      merge: () => mergeInWorker({ indexDir: idx, hnsw }), // the server's merge: a worker thread
      lock: inProcessLock,
      published: (v) => {
        published.push(v);
      },
      logger: pino({ level: 'silent' }),
    });
    // A small change: below the ratio, no merge.
    fs.appendFileSync(path.join(kb, 'p-4.md'), '\nOne more line.\n');
    const small = await reindexer.wait(reindexer.request('cli').id);
    await reindexer.settled();
    expect(small.status).toBe('succeeded');
    expect(published).toEqual([small.summary?.version]);
    expect(vectorsOf().deltas).toHaveLength(1);
    // Rewriting the policies and removing the bulk files makes deltas + tombstones exceed 10% of
    // the base (and of the 2,000-point floor): merged after the run.
    for (let i = 0; i < 40; i++) {
      if (fs.existsSync(path.join(kb, `p-${i}.md`)))
        fs.writeFileSync(path.join(kb, `p-${i}.md`), doc(i, ' v2'));
    }
    fs.rmSync(path.join(kb, 'bulk'), { recursive: true });
    const big = await reindexer.wait(reindexer.request('cli').id);
    expect(readCurrentVersion(idx)).toBe(big.summary?.version);
    expect(vectorsOf().deltas.length).toBeGreaterThan(1);
    const metaOf = (v: string) =>
      JSON.parse(fs.readFileSync(path.join(layout.version(idx, v), 'meta.json'), 'utf8'));
    expect(metaOf(small.summary?.version as string).spaces.default.mergeDue).toBeUndefined();
    expect(metaOf(big.summary?.version as string).spaces.default.mergeDue).toBe(true);
    await reindexer.settled();
    expect(published).toHaveLength(3);
    expect(published[1]).toBe(big.summary?.version);
    expect(readCurrentVersion(idx)).toBe(published[2]);
    expect(vectorsOf()).toMatchObject({ deltas: [], tombstones: [] });
    expect(metaOf(published[2] as string).spaces.default.mergeDue).toBeUndefined();
    const hits = await open().search('Policy 7 covers', { space: 'default', k: 5, mode: 'vector' });
    expect(hits[0]?.chunk.text).toContain('v2');
  });
});

describe('index format 3 (one hnsw.bin)', () => {
  it('is still served, and the next run rebuilds it as segments with a warning', async () => {
    const base = tmpDir();
    const k3 = path.join(base, 'knowledge');
    const i3 = path.join(base, 'index');
    writeFiles(k3, { 'a.md': '# Alpha\n\nCoupon code KETTLE20 gives 20% off kettles.\n' });
    const opts = { knowledgeDir: k3, indexDir: i3, embedder, hnsw, maxFileBytes: 1 << 20 };
    const first = await runIndex(opts);
    // Turn it into what format 3 wrote: one hnsw.bin, no vector segments in the manifest.
    const versionDir = layout.version(i3, first.version);
    const spaceDir = layout.space(versionDir, 'default');
    const manifest = JSON.parse(fs.readFileSync(path.join(spaceDir, 'manifest.json'), 'utf8'));
    fs.renameSync(path.join(spaceDir, manifest.vectors.base), path.join(spaceDir, 'hnsw.bin'));
    delete manifest.vectors;
    fs.writeFileSync(path.join(spaceDir, 'manifest.json'), JSON.stringify(manifest));
    const meta = JSON.parse(fs.readFileSync(path.join(versionDir, 'meta.json'), 'utf8'));
    fs.writeFileSync(path.join(versionDir, 'meta.json'), JSON.stringify({ ...meta, format: 3 }));

    const old = openIndex({ indexDir: i3, embedder, hnsw });
    expect((await old.search('20% off kettles', { space: 'default', mode: 'vector' }))[0]?.chunk.source).toBe(
      'a.md',
    );
    // Nothing to merge in an old format; the next run rebuilds it.
    expect((await mergeSegments({ indexDir: i3, hnsw, force: true })).version).toBeNull();
    const warnings: string[] = [];
    const next = await runIndex({ ...opts, warn: (msg) => warnings.push(msg) });
    expect(warnings.join('\n')).toMatch(/format changed/);
    expect(next.version).not.toBe(first.version);
    const fresh = openIndex({ indexDir: i3, embedder, hnsw });
    expect(fresh.meta.format).toBe(INDEX_FORMAT);
    expect(
      JSON.parse(
        fs.readFileSync(
          path.join(layout.space(layout.version(i3, next.version), 'default'), 'manifest.json'),
          'utf8',
        ),
      ).vectors,
    ).toMatchObject({ deltas: [] });
    expect(
      (await fresh.search('20% off kettles', { space: 'default', mode: 'vector' }))[0]?.chunk.source,
    ).toBe('a.md');
    fs.rmSync(base, { recursive: true, force: true });
  });
});

describe('index format 4 (chunk lists inside manifest.json)', () => {
  it('is updated incrementally, not rebuilt: a changed space is rewritten with chunk-list parts', async () => {
    const base = tmpDir();
    const k4 = path.join(base, 'knowledge');
    const i4 = path.join(base, 'index');
    writeFiles(k4, Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`p-${i}.md`, doc(i)])));
    const opts = { knowledgeDir: k4, indexDir: i4, embedder, hnsw, maxFileBytes: 1 << 20 };
    const first = await runIndex(opts);
    // Turn it into what format 4 wrote: every file's chunk list inline, no part files.
    const versionDir = layout.version(i4, first.version);
    const spaceDir = layout.space(versionDir, 'default');
    const full = readManifest(spaceDir);
    for (const f of fs.readdirSync(spaceDir)) if (f.startsWith('chunks-')) fs.rmSync(path.join(spaceDir, f));
    fs.writeFileSync(path.join(spaceDir, 'manifest.json'), JSON.stringify(full));
    const meta = JSON.parse(fs.readFileSync(path.join(versionDir, 'meta.json'), 'utf8'));
    fs.writeFileSync(path.join(versionDir, 'meta.json'), JSON.stringify({ ...meta, format: 4 }));
    expect(
      (await openIndex({ indexDir: i4, embedder, hnsw }).search('code QX103', { space: 'default', k: 1 }))[0]
        ?.chunk.source,
    ).toBe('p-3.md');

    fs.appendFileSync(path.join(k4, 'p-2.md'), '\n## Later\n\nGift cards for merchant 2 never expire.\n');
    const warnings: string[] = [];
    const next = await runIndex({ ...opts, warn: (msg) => warnings.push(msg) });
    expect(warnings).toEqual([]);
    expect(next).toMatchObject({ updated: 1, unchanged: 5, embedded: 1 });
    const nextDir = layout.space(layout.version(i4, next.version), 'default');
    const stored = JSON.parse(fs.readFileSync(path.join(nextDir, 'manifest.json'), 'utf8'));
    expect(stored.chunkParts).toBe(stored.lexicalShards);
    expect(stored.files['p-0.md']).toMatchObject({ count: full.files['p-0.md']?.chunks.length });
    expect(fs.existsSync(path.join(nextDir, 'chunks-0.json'))).toBe(true);
    // Same chunk lists as before for the unchanged files, one more chunk for the edited one.
    const now = readManifest(nextDir);
    for (const [source, f] of Object.entries(full.files)) {
      if (source === 'p-2.md') expect(now.files[source]?.chunks.length).toBe(f.chunks.length + 1);
      else expect(now.files[source]?.chunks).toEqual(f.chunks);
    }
    const hits = await openIndex({ indexDir: i4, embedder, hnsw }).search('gift cards never expire', {
      space: 'default',
      k: 1,
    });
    expect(hits[0]?.chunk.source).toBe('p-2.md');
    fs.rmSync(base, { recursive: true, force: true });
  });
});
