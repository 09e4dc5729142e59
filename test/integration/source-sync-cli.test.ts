import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSite, html, startFakeSite } from '../fakes/website.js';
import { runScript } from '../helpers/cli.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const root = tmpDir();
const knowledgeDir = path.join(root, 'kb');
const indexDir = path.join(root, 'idx');
const dirs = ['--knowledge', knowledgeDir, '--index', indexDir];
let site: FakeSite;

beforeAll(async () => {
  site = await startFakeSite({
    '/robots.txt': { type: 'text/plain', body: '' },
    '/docs/': html('Docs', '<h1>Docs</h1><p>Payouts reach your bank every Tuesday.</p>', ['/docs/fees']),
    '/docs/fees': html('Fees', '<h1>Fees</h1><p>The marketplace fee is 7 percent of the quokka total.</p>'),
  });
  writeFiles(knowledgeDir, {
    'intro.md': '# Intro\n\nWelcome.\n',
    'sources.json': JSON.stringify({
      sources: [
        { name: 'docs', type: 'website', space: 'default', start_urls: [`${site.url}/docs/`] },
        { name: 'wiki', type: 'notion', space: 'default' },
      ],
    }),
  });
});
afterAll(async () => {
  await site?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('npm run sync', () => {
  it('syncs one source by name, then indexes it (searchable, its URL in front matter)', async () => {
    const sync = await runScript('sync', [...dirs, '--source', 'docs', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    const [status] = JSON.parse(sync.stdout);
    expect(status).toMatchObject({ source: 'docs', ok: true, pages: 2, changed: 2 });
    const search = await runScript('search', [...dirs, '--json', 'quokka marketplace fee']);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toMatch(/_sources\/docs\//);
    const files = fs.readdirSync(path.join(knowledgeDir, 'default', '_sources', 'docs'));
    const texts = files.map((f) =>
      fs.readFileSync(path.join(knowledgeDir, 'default', '_sources', 'docs', f), 'utf8'),
    );
    expect(texts.join('\n')).toContain(`url: '${site.url}/docs/fees'`);
  }, 120_000);

  it('prints a summary; a failing source (no NOTION_TOKEN) exits 1 with its error, no stack', async () => {
    const sync = await runScript('sync', dirs, { NOTION_TOKEN: '' });
    expect(sync.code).toBe(1);
    expect(sync.stdout).toMatch(/synced docs \(website → default\): 2 pages, 0 changed, 2 unchanged/);
    expect(sync.stdout).toMatch(/FAILED wiki \(notion → default\).*\n {2}error NOTION_TOKEN is not set/);
    expect(sync.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 120_000);

  it('an unknown source name or a broken sources.json is a clear error', async () => {
    const unknown = await runScript('sync', [...dirs, '--source', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No source named "nope" in sources.json\. Declared: docs, wiki\./);
    fs.writeFileSync(
      path.join(knowledgeDir, 'sources.json'),
      '{"sources":[{"name":"x","type":"website","space":"default"}]}',
    );
    const bad = await runScript('sync', dirs);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /sources\.json is invalid: sources\.0: a website source needs "sitemap" or "start_urls"/,
    );
    expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 120_000);
});
