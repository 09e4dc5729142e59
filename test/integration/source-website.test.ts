import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebsiteSource } from '../../src/sources/config.js';
import { parseSources } from '../../src/sources/config.js';
import { readState, syncSource } from '../../src/sources/sync.js';
import { type FakeSite, html, startFakeSite } from '../fakes/website.js';
import { tmpDir } from '../helpers/tmp.js';

let site: FakeSite;
const kb = tmpDir('copilot-src-web-');

function source(over: Partial<Record<string, unknown>> = {}): WebsiteSource {
  const [def] = parseSources(
    JSON.stringify({
      sources: [
        {
          name: 'help',
          type: 'website',
          space: 'default',
          start_urls: [`${site.url}/help/`],
          timeout_ms: 400,
          max_page_bytes: 20_000,
          ...over,
        },
      ],
    }),
  );
  return def as WebsiteSource;
}

const dir = (space: string, name: string) => path.join(kb, space, '_sources', name);
const files = (space: string, name: string) => fs.readdirSync(dir(space, name)).sort();
const read = (space: string, name: string) =>
  files(space, name).map((f) => fs.readFileSync(path.join(dir(space, name), f), 'utf8'));

beforeAll(async () => {
  site = await startFakeSite({
    '/robots.txt': { type: 'text/plain', body: 'User-agent: *\nDisallow: /help/private\n' },
    '/help/': html('Help center', '<h1>Help</h1><p>Start here.</p>', [
      '/help/returns',
      '/help/shipping',
      '/help/loop-a',
      '/help/gone',
      '/help/broken',
      '/help/slow',
      '/help/huge',
      '/help/price.pdf',
      '/help/private/x',
      '/help/old-returns',
      '/help/redirect-loop',
      '/outside',
      'https://example.com/elsewhere',
      'mailto:a@b.c',
    ]),
    '/help/returns': html(
      'Returns policy',
      '<h1>Returns</h1><p>Returns are accepted within 30 days.</p><ul><li>Receipt needed</li></ul>',
      ['/help/'],
    ),
    '/help/shipping': html(
      'Shipping',
      '<h2>Rates</h2><table><tr><th>Zone</th><th>Price</th></tr><tr><td>EU</td><td>5 EUR</td></tr></table>',
    ),
    '/help/loop-a': html('Loop A', '<p>A</p>', ['/help/loop-b', '/help/loop-a#top']),
    '/help/loop-b': html('Loop B', '<p>B</p>', ['/help/loop-a']),
    '/help/broken': { status: 500, body: 'boom' },
    '/help/slow': { body: html('Slow', '<p>slow</p>'), delayMs: 2000 },
    '/help/huge': html('Huge', `<p>${'x'.repeat(50_000)}</p>`),
    '/help/price.pdf': { type: 'application/pdf', body: '%PDF-1.4' },
    '/help/private/x': html('Private', '<p>SECRET</p>'),
    '/help/old-returns': { location: '/help/returns' },
    '/help/redirect-loop': { location: '/help/redirect-loop-2' },
    '/help/redirect-loop-2': { location: '/help/redirect-loop' },
    '/outside': html('Outside', '<p>not in prefix</p>'),
  });
});
afterAll(async () => {
  await site?.close();
  fs.rmSync(kb, { recursive: true, force: true });
});

describe('website source', () => {
  it('crawls within the prefix into Markdown with front matter, and says why pages were skipped', async () => {
    const status = await syncSource(source(), { knowledgeDir: kb });
    expect(status.ok).toBe(true);
    const texts = read('default', 'help').join('\n=====\n');
    expect(texts).toMatch(/title: Returns policy/);
    expect(texts).toContain(`url: '${site.url}/help/returns'`);
    expect(texts).toMatch(/Returns are accepted within 30 days/);
    expect(texts).toMatch(/- Receipt needed/);
    expect(texts).toMatch(/Zone \| Price\nEU \| 5 EUR/);
    // main content only: no chrome, no scripts
    expect(texts).not.toMatch(/SITE HEADER|SITE FOOTER|SIDEBAR|var secret/);
    expect(texts).not.toMatch(/SECRET|not in prefix/);
    // help, returns, shipping, loop-a, loop-b: each once despite the loop and the #fragment
    expect(status.pages).toBe(5);
    expect(files('default', 'help')).toHaveLength(5);
    const reasons = Object.fromEntries(status.skipped.map((s) => [s.url.replace(site.url, ''), s.reason]));
    expect(reasons['/help/private/x']).toBe('disallowed by robots.txt');
    expect(reasons['/help/huge']).toMatch(/larger than max_page_bytes/);
    expect(reasons['/help/price.pdf']).toMatch(/not HTML \(application\/pdf\)/);
    expect(reasons['/help/old-returns']).toMatch(/already synced/);
    const errors = Object.fromEntries(status.errors.map((e) => [e.url?.replace(site.url, ''), e.message]));
    expect(errors['/help/broken']).toBe('HTTP 500');
    expect(errors['/help/slow']).toMatch(/timed out after 400 ms/);
    expect(errors['/help/redirect-loop']).toMatch(/redirect/i);
    expect(site.requests.some((r) => r.path === '/help/private/x')).toBe(false);
    expect(site.requests.filter((r) => r.path === '/help/loop-a')).toHaveLength(1);
    // the state file is hidden (never indexed) and holds validators
    const state = await readState(kb, { space: 'default', name: 'help' });
    expect(state.pages[`${site.url}/help/returns`]?.etag).toMatch(/^"/);
  });

  it('an unchanged page costs one 304; an edited page is rewritten; a removed page is removed', async () => {
    site.requests.length = 0;
    site.pages.set('/help/returns', {
      body: html('Returns policy', '<p>Returns are accepted within 60 days.</p>', ['/help/']),
    });
    site.pages.delete('/help/loop-b');
    const status = await syncSource(source(), { knowledgeDir: kb });
    expect(status.ok).toBe(true);
    const shipping = site.requests.filter((r) => r.path === '/help/shipping');
    expect(shipping).toEqual([{ path: '/help/shipping', status: 304 }]);
    expect(status.removed).toBe(1);
    expect(status.changed).toBe(1);
    const texts = read('default', 'help').join('\n');
    expect(texts).toMatch(/within 60 days/);
    expect(texts).not.toMatch(/within 30 days/);
    expect(texts).not.toMatch(/Loop B/);
    expect(fs.readdirSync(path.join(kb, 'default', '_sources')).filter((f) => f.startsWith('.tmp-'))).toEqual(
      [],
    );
  });

  it('a page with a 500 keeps its last good copy', async () => {
    site.pages.set('/help/shipping', { status: 500, body: 'down' });
    const status = await syncSource(source(), { knowledgeDir: kb });
    expect(status.ok).toBe(true);
    expect(read('default', 'help').join('\n')).toMatch(/EU \| 5 EUR/);
    expect(status.errors.some((e) => e.url?.endsWith('/help/shipping') && e.message === 'HTTP 500')).toBe(
      true,
    );
  });

  it('a failing source keeps every last good file and records the failure', async () => {
    const before = read('default', 'help');
    site.pages.set('/robots.txt', { status: 503, body: 'down' });
    const status = await syncSource(source(), { knowledgeDir: kb });
    site.pages.set('/robots.txt', { type: 'text/plain', body: 'User-agent: *\nDisallow: /help/private\n' });
    expect(status.ok).toBe(false);
    expect(status.errors[0]?.message).toMatch(/robots\.txt .*HTTP 503/);
    expect(read('default', 'help')).toEqual(before);
    const state = await readState(kb, { space: 'default', name: 'help' });
    expect(state.last?.ok).toBe(false);
    expect(state.lastGood?.ok).toBe(true);
  });

  it('reads a sitemap (nested index) and follows a redirect to an allowed page', async () => {
    site.pages.set('/sitemap.xml', {
      type: 'application/xml',
      body: `<?xml version="1.0"?><sitemapindex><sitemap><loc>${site.url}/sm-1.xml</loc></sitemap></sitemapindex>`,
    });
    site.pages.set('/sm-1.xml', {
      type: 'application/xml',
      body: `<urlset><url><loc>${site.url}/help/old-returns</loc></url><url><loc>${site.url}/help/shipping-new</loc></url><url><loc>${site.url}/outside</loc></url></urlset>`,
    });
    site.pages.set('/help/shipping-new', {
      body: html('New shipping', '<p>Ships in 2 days.</p>', ['/help/loop-a']),
    });
    const status = await syncSource(
      source({
        name: 'map',
        start_urls: undefined,
        sitemap: `${site.url}/sitemap.xml`,
        allowed_prefix: `${site.url}/help/`,
      }),
      {
        knowledgeDir: kb,
      },
    );
    expect(status.ok).toBe(true);
    // sitemap mode does not follow links; /outside is out of the prefix; the redirect lands on /help/returns
    expect(status.pages).toBe(2);
    const texts = read('default', 'map').join('\n');
    expect(texts).toContain(`url: '${site.url}/help/returns'`);
    expect(texts).toMatch(/Ships in 2 days/);
    expect(texts).not.toMatch(/Loop A/);
  });

  it('max_pages caps the crawl with a reason', async () => {
    const status = await syncSource(source({ name: 'capped', max_pages: 2 }), { knowledgeDir: kb });
    expect(status.pages).toBe(2);
    expect(status.skipped.some((s) => s.reason === 'max_pages (2) reached')).toBe(true);
  });
});

describe('sources.json validation', () => {
  it('names the bad field', () => {
    expect(() => parseSources('{"sources":[{"name":"a","type":"website","space":"default"}]}')).toThrow(
      /sitemap.*start_urls/,
    );
    expect(() =>
      parseSources(
        '{"sources":[{"name":"a","type":"website","space":"default","sitemap":"http://x/s.xml","schedule":"every day"}]}',
      ),
    ).toThrow(/sources\.0\.schedule: not a valid cron/);
    expect(() => parseSources('{"sources":[{"name":"a","type":"ftp","space":"default"}]}')).toThrow(
      /sources\.0\.type/,
    );
    expect(() => parseSources('{"sources": [')).toThrow(/not valid JSON/);
    expect(() =>
      parseSources(
        '{"sources":[{"name":"a","type":"notion","space":"x"},{"name":"a","type":"notion","space":"y"}]}',
      ),
    ).toThrow(/unique/);
  });
});
