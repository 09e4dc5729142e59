import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSite, html, startFakeSite } from '../fakes/website.js';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium } from '../helpers/services.js';

// A local help center synced on a seconds-level schedule into the running app.
const kb = copyKnowledge();
let site: FakeSite;
let app: RunningApp;

const page = (days: number) =>
  html(
    'Holiday returns',
    `<h1>Holiday returns</h1><p>Holiday purchases can be returned within ${days} days of delivery, zebracorn rule.</p>`,
  );

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function ask() {
  const res = await chat(app.url, {
    message: 'How long is the zebracorn holiday returns window?',
    space: 'default',
  });
  const sources = res.of('sources')[0]?.sources as Array<{ url?: string; title: string }> | undefined;
  return { text: res.text(), sources: sources ?? [] };
}

beforeAll(async () => {
  site = await startFakeSite({
    '/robots.txt': { type: 'text/plain', body: '' },
    '/sitemap.xml': { type: 'application/xml', body: '' },
    '/help/holiday-returns': { body: page(17) },
  });
  site.pages.set('/sitemap.xml', {
    type: 'application/xml',
    body: `<urlset><url><loc>${site.url}/help/holiday-returns</loc></url></urlset>`,
  });
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'sources.json'),
    JSON.stringify({
      sources: [
        {
          name: 'helpcenter',
          type: 'website',
          space: 'default',
          sitemap: `${site.url}/sitemap.xml`,
          schedule: '*/1 * * * * *',
        },
      ],
    }),
  );
  app = await startApp({ KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await site?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

describe('scheduled website source', () => {
  it('a page edit shows up in an answer after the next scheduled run, cited with the page URL', async () => {
    const pageUrl = `${site.url}/help/holiday-returns`;
    const first = await until(async () => {
      const a = await ask();
      return a.text.includes('17 days') ? a : undefined;
    });
    expect(first.sources.map((s) => s.url)).toContain(pageUrl);
    expect(first.sources.find((s) => s.url === pageUrl)?.title).toBe('Holiday returns');

    site.pages.set('/help/holiday-returns', { body: page(23) });
    const second = await until(async () => {
      const a = await ask();
      return a.text.includes('23 days') ? a : undefined;
    });
    expect(second.text).not.toMatch(/17 days/);
    expect(second.sources.map((s) => s.url)).toContain(pageUrl);

    const [last] = await app.app.sources.lastSyncs();
    expect(last?.last).toMatchObject({ source: 'helpcenter', ok: true, pages: 1 });
  }, 60_000);

  it('a failing source keeps its last good files and index, and the failure is shown', async () => {
    site.pages.set('/sitemap.xml', { status: 500, body: 'down' });
    const failed = await until(async () => {
      const [s] = await app.app.sources.lastSyncs();
      return s?.last && !s.last.ok ? s : undefined;
    });
    expect(failed.last?.errors[0]?.message).toMatch(/sitemap .* HTTP 500/);
    expect(failed.lastGood?.ok).toBe(true);
    const a = await ask();
    expect(a.text).toMatch(/23 days/);
    expect(a.sources.map((s) => s.url)).toContain(`${site.url}/help/holiday-returns`);
  }, 60_000);

  it('the web chat links the citation to the page itself (real page in Chromium)', async () => {
    if (!(await chromiumAvailable())) return;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(app.url);
      await page.getByTestId('chat-input').fill('How long is the zebracorn holiday returns window?');
      await page.getByTestId('chat-input').press('Enter');
      const links = page.getByTestId('message-assistant').last().getByTestId('source-link');
      await links.first().waitFor({ timeout: 20_000 });
      const hrefs = await links.evaluateAll((els) => els.map((e) => e.getAttribute('href')));
      expect(hrefs).toContain(`${site.url}/help/holiday-returns`);
      expect(hrefs.filter((h) => h?.startsWith('/api/sources/')).length).toBe(hrefs.length - 1);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
