import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/bench/corpus.js';
import { layout, readCurrentVersion } from '../../src/retrieval/index-files.js';
import { runScript } from '../helpers/cli.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const root = tmpDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('ingest and search CLIs', () => {
  const knowledgeDir = path.join(root, 'kb');
  const indexDir = path.join(root, 'idx');
  const dirs = ['--knowledge', knowledgeDir, '--index', indexDir];

  it('print only JSON on stdout with --json', async () => {
    writeFiles(knowledgeDir, {
      'payouts.md':
        '# Payouts\n\nPayouts reach your bank account every Tuesday, seven days after delivery.\n',
      'apparel/sizes.md': '# Sizes\n\nOur shirts run small; order one size up.\n',
    });
    const ingest = await runScript('ingest', [...dirs, '--json']);
    expect(ingest.code, ingest.stderr).toBe(0);
    const summary = JSON.parse(ingest.stdout);
    expect(summary).toMatchObject({ documents: 2, added: 2, embedded: summary.chunks, skipped: [] });
    expect(Object.keys(summary).sort()).toEqual(
      [
        'added',
        'chunks',
        'documents',
        'embedded',
        'ms',
        'removed',
        'skipped',
        'unchanged',
        'updated',
        'version',
      ].sort(),
    );
    const search = await runScript('search', [...dirs, '--json', '--k', '3', 'when do I get paid']);
    expect(search.code, search.stderr).toBe(0);
    const rows = JSON.parse(search.stdout);
    expect(rows[0]).toMatchObject({ rank: 1, source: 'payouts.md', space: 'default', title: 'Payouts' });
    expect(rows[0]).toHaveProperty('chunkId');
    expect(rows[0]).toHaveProperty('text');
  });

  it('search says when the index is stale and how to fix it', async () => {
    writeFiles(knowledgeDir, { 'new.md': '# New\n\nA new document.\n' });
    const search = await runScript('search', [...dirs, '--json', 'payouts']);
    expect(search.code).toBe(0);
    expect(search.stderr).toMatch(/stale.*new\.md.*npm run ingest/s);
  });

  it('search on a missing index says how to build it', async () => {
    const search = await runScript('search', [
      '--knowledge',
      knowledgeDir,
      '--index',
      path.join(root, 'none'),
      'x',
    ]);
    expect(search.code).toBe(1);
    expect(search.stderr).toMatch(/No index found.*npm run ingest/s);
    expect(search.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('switching EMBEDDINGS after ingesting is a clear error that says to reindex', async () => {
    const search = await runScript('search', [...dirs, 'payouts'], {
      EMBEDDINGS: 'local',
      EMBEDDING_DIMENSIONS: '256',
    });
    expect(search.code).toBe(1);
    expect(search.stderr).toMatch(/index:embedder_mismatch/);
    expect(search.stderr).toMatch(/npm run ingest/);
  });
});

describe('crash safety', () => {
  it('SIGKILL during ingest leaves the previous version serving; the next run completes', async () => {
    const knowledgeDir = path.join(root, 'big');
    const indexDir = path.join(root, 'big-idx');
    const dirs = ['--knowledge', knowledgeDir, '--index', indexDir];
    writeFiles(knowledgeDir, { 'seed.md': '# Seed\n\nThe first version of the knowledge base.\n' });
    const first = await runScript('ingest', [...dirs, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const v1 = JSON.parse(first.stdout).version as string;

    generateCorpus(path.join(knowledgeDir, 'generated'), 6000, { sectionsPerDoc: 50 });
    const run = runScript('ingest', [...dirs, '--json']);
    // Kill it once it is building the new version (its temp dir exists), i.e. mid-write.
    const versionsDir = layout.versions(indexDir);
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      if (fs.readdirSync(versionsDir).some((n) => n.includes('.tmp-'))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    run.child.kill('SIGKILL');
    const killed = await run;
    expect(killed.code).toBe(null);
    expect(readCurrentVersion(indexDir)).toBe(v1);
    const search = await runScript('search', [...dirs, '--json', 'first version']);
    expect(search.code, search.stderr).toBe(0);
    expect(JSON.parse(search.stdout)[0].source).toBe('seed.md');

    const next = await runScript('ingest', [...dirs, '--json']);
    expect(next.code, next.stderr).toBe(0);
    const summary = JSON.parse(next.stdout);
    expect(summary.version).not.toBe(v1);
    expect(summary.documents).toBe(1 + 6000 / 50);
    expect(readCurrentVersion(indexDir)).toBe(summary.version);
    expect(fs.readdirSync(versionsDir).some((n) => n.includes('.tmp-'))).toBe(false);
  });
});
