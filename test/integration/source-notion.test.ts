import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotionSource, parseSources } from '../../src/sources/config.js';
import { syncSource } from '../../src/sources/sync.js';
import { type FakeNotion, startFakeNotion } from '../fakes/notion-api.js';
import { tmpDir } from '../helpers/tmp.js';

let notion: FakeNotion;
const kb = tmpDir('copilot-src-notion-');
const def = parseSources(
  JSON.stringify({
    sources: [{ name: 'wiki', type: 'notion', space: 'apparel', valid_until: '2030-01-31' }],
  }),
)[0] as NotionSource;
const dir = path.join(kb, 'apparel', '_sources', 'wiki');
const all = () =>
  fs
    .readdirSync(dir)
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n=====\n');
const opts = () => ({ knowledgeDir: kb, notion: { token: notion.token, baseUrl: notion.url } });

beforeAll(async () => {
  fs.writeFileSync(path.join(kb, 'spaces.json'), JSON.stringify({ spaces: { apparel: { public: false } } }));
  notion = await startFakeNotion();
  notion.pages.set('p1', {
    id: 'p1',
    title: 'Sizing guide',
    edited: '2026-11-01T10:00:00.000Z',
    blocks: [
      { type: 'heading_2', text: 'Shoes' },
      { type: 'paragraph', text: 'EU 42 fits a 27 cm foot.' },
      {
        type: 'bulleted_list_item',
        text: 'Wide fit',
        children: [{ type: 'paragraph', text: 'order one size up' }],
      },
      { type: 'code', text: 'size = cm * 1.5', data: { language: 'python' } },
    ],
  });
  notion.pages.set('p2', {
    id: 'p2',
    title: 'Holiday promo',
    edited: '2026-11-02T10:00:00.000Z',
    properties: { Status: { id: 's', type: 'select', select: { name: 'Live' } } },
    blocks: [{ type: 'paragraph', text: '20% off all coats.' }],
  });
  notion.pages.set('p3', {
    id: 'p3',
    title: 'Old page',
    edited: '2026-01-01T00:00:00.000Z',
    blocks: [],
    trashed: true,
  });
  notion.pages.set('p4', {
    id: 'p4',
    title: 'Returns',
    edited: '2026-11-03T10:00:00.000Z',
    blocks: [{ type: 'paragraph', text: 'Apparel returns: 30 days.' }],
  });
});
afterAll(async () => {
  await notion?.close();
  fs.rmSync(kb, { recursive: true, force: true });
});

describe('Notion source (official client against a local fake)', () => {
  it('syncs shared pages and database rows to Markdown with title, url and updated', async () => {
    const status = await syncSource(def, opts());
    expect(status).toMatchObject({ ok: true, pages: 3, changed: 3 });
    const text = all();
    expect(text).toMatch(/title: Sizing guide/);
    expect(text).toMatch(/url: 'https:\/\/www\.notion\.so\/Sizing-guide-p1'/);
    expect(text).toMatch(/updated: '2026-11-01T10:00:00.000Z'/);
    expect(text).toMatch(/valid_until: '2030-01-31'/);
    expect(text).toMatch(/## Shoes\n\nEU 42 fits a 27 cm foot\./);
    expect(text).toMatch(/- Wide fit\n\n {2}order one size up/);
    expect(text).toMatch(/```python\nsize = cm \* 1\.5\n```/);
    expect(text).toMatch(/- \*\*Status\*\*: Live/);
    expect(text).not.toMatch(/Old page/);
  });

  it('refetches only edited pages; removed pages disappear', async () => {
    notion.requests.length = 0;
    notion.pages.set('p2', {
      ...notion.pages.get('p2')!,
      edited: '2026-11-05T10:00:00.000Z',
      blocks: [{ type: 'paragraph', text: '30% off all coats.' }],
    });
    notion.pages.delete('p4');
    const status = await syncSource(def, opts());
    expect(status).toMatchObject({ ok: true, pages: 2, changed: 1, unchanged: 1, removed: 1 });
    const fetched = notion.requests.filter((r) => r.path.startsWith('/v1/blocks/')).map((r) => r.path);
    expect(fetched).toEqual(['/v1/blocks/p2/children']);
    expect(all()).toMatch(/30% off all coats/);
    expect(all()).not.toMatch(/20% off|Apparel returns/);
  });

  it('a bad token fails the run with a clear error and keeps the last good files', async () => {
    const before = all();
    notion.failWith = 401;
    const status = await syncSource(def, opts());
    notion.failWith = null;
    expect(status.ok).toBe(false);
    expect(status.errors[0]?.message).toMatch(/API token is invalid/);
    expect(all()).toBe(before);
  });

  it('a source whose space is not declared is refused: its pages would land in another space', async () => {
    const [stray] = parseSources(
      JSON.stringify({ sources: [{ name: 'stray', type: 'notion', space: 'kids' }] }),
    );
    const status = await syncSource(stray!, opts());
    expect(status.ok).toBe(false);
    expect(status.errors[0]?.message).toMatch(
      /space "kids", but its folder kids\/ belongs to "default".*Declare "kids" in spaces\.json/,
    );
    expect(fs.existsSync(path.join(kb, 'kids'))).toBe(false);
  });

  it('no NOTION_TOKEN: a clear error, nothing lost', async () => {
    const status = await syncSource(def, { knowledgeDir: kb, notion: { baseUrl: notion.url } });
    expect(status.ok).toBe(false);
    expect(status.errors[0]?.message).toMatch(/NOTION_TOKEN is not set/);
    expect(all()).toMatch(/30% off all coats/);
  });
});

describe('Notion end to end: synced pages answer questions, cited with their Notion URL', () => {
  it('a question about a Notion page is answered from it, and the citation links to the page', async () => {
    const { copyKnowledge, chat, startApp } = await import('../helpers/app.js');
    const kb2 = copyKnowledge();
    fs.writeFileSync(
      path.join(kb2.knowledgeDir, 'sources.json'),
      JSON.stringify({ sources: [{ name: 'team-wiki', type: 'notion', space: 'default' }] }),
    );
    notion.pages.set('p5', {
      id: 'p5',
      title: 'Gift card policy',
      edited: '2026-11-04T10:00:00.000Z',
      blocks: [{ type: 'paragraph', text: 'Harbor gift cards never expire and can be topped up in store.' }],
    });
    const app = await startApp({
      KNOWLEDGE_DIR: kb2.knowledgeDir,
      INDEX_DIR: kb2.indexDir,
      NOTION_TOKEN: notion.token,
      NOTION_BASE_URL: notion.url,
    });
    try {
      const [status] = await app.app.sources.run('team-wiki');
      expect(status).toMatchObject({ ok: true });
      const r = await chat(app.url, { message: 'Do Harbor gift cards expire?' });
      expect(r.text()).toMatch(/never expire/);
      const sources = (r.of('sources').at(-1)?.sources ?? []) as Array<{ url?: string; title: string }>;
      expect(sources.find((s) => s.title === 'Gift card policy')?.url).toMatch(
        /^https:\/\/www\.notion\.so\//,
      );
    } finally {
      notion.pages.delete('p5');
      await app.close();
      fs.rmSync(kb2.root, { recursive: true, force: true });
    }
  });
});
