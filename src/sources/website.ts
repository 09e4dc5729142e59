import type { WebsiteSource } from './config.js';
import { pageFileName, reusePage, writePage } from './files.js';
import { extractPage } from './html-to-markdown.js';
import { ALLOW_ALL, parseRobots, type Robots } from './robots.js';
import type { ConnectorContext, ConnectorResult, PageState } from './types.js';

class SourceFailure extends Error {}

/** URL without fragment: `/a#x` and `/a` are one page. */
function normalize(url: string): string {
  const u = new URL(url);
  u.hash = '';
  return u.toString();
}

/** Read at most `limit` bytes; null when the body is larger (the page is skipped, not cut). */
async function readLimited(res: Response, limit: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => {});
    return null;
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

function sitemapLocs(xml: string): { locs: string[]; nested: boolean } {
  const locs = [...xml.matchAll(/<loc>\s*([^<\s]+)\s*<\/loc>/gi)].map((m) =>
    m[1]!
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'"),
  );
  return { locs, nested: /<sitemapindex[\s>]/i.test(xml) };
}

/**
 * Crawl one website source into Markdown files. Pages come from the sitemap (nested sitemap
 * indexes followed) or from the start URLs and the links found under the allowed prefix.
 * Conditional requests reuse the last good copy on 304; 404/410 pages are dropped (removed);
 * other page errors keep the last good copy and are reported.
 */
export async function syncWebsite(def: WebsiteSource, ctx: ConnectorContext): Promise<ConnectorResult> {
  const first = def.sitemap ?? def.start_urls?.[0] ?? '';
  // Default scope: the sitemap's whole origin, or the start URL's folder (`/help/` for `/help/faq`).
  const prefix =
    def.allowed_prefix ??
    (def.sitemap ? `${new URL(first).origin}/` : new URL('./', new URL(first)).toString());
  const inScope = (url: string) => url.startsWith(prefix);
  const result: ConnectorResult = { pages: {}, changed: 0, unchanged: 0, skipped: [], errors: [] };
  const headers = { 'user-agent': def.user_agent };

  const get = async (url: string, extra: Record<string, string> = {}): Promise<Response> => {
    const signal = ctx.signal
      ? AbortSignal.any([ctx.signal, AbortSignal.timeout(def.timeout_ms)])
      : AbortSignal.timeout(def.timeout_ms);
    try {
      return await fetch(url, { headers: { ...headers, ...extra }, signal, redirect: 'follow' });
    } catch (err) {
      const e = err as Error;
      const why =
        e.name === 'TimeoutError'
          ? `timed out after ${def.timeout_ms} ms`
          : ((e.cause as Error)?.message ?? e.message);
      throw new Error(why);
    }
  };

  // robots.txt per origin; a missing one (4xx) allows all, an unreachable one (5xx) fails the run.
  const robotsByOrigin = new Map<string, Robots>();
  const robotsFor = async (url: string): Promise<Robots> => {
    const origin = new URL(url).origin;
    const known = robotsByOrigin.get(origin);
    if (known) return known;
    let robots = ALLOW_ALL;
    const res = await get(`${origin}/robots.txt`).catch((err: Error) => {
      throw new SourceFailure(`robots.txt of ${origin}: ${err.message}`);
    });
    if (res.status >= 500) throw new SourceFailure(`robots.txt of ${origin}: HTTP ${res.status}`);
    if (res.ok)
      robots = parseRobots(
        `${origin}/robots.txt`,
        (await readLimited(res, 512 * 1024)) ?? '',
        def.user_agent,
      );
    else await res.body?.cancel().catch(() => {});
    robotsByOrigin.set(origin, robots);
    return robots;
  };

  // The URL list: the sitemap's pages, or the start URLs (then links are followed).
  const queue: string[] = [];
  const seen = new Set<string>();
  const enqueue = (url: string) => {
    let n: string;
    try {
      n = normalize(url);
    } catch {
      return;
    }
    if (!/^https?:/.test(n) || !inScope(n) || seen.has(n)) return;
    seen.add(n);
    queue.push(n);
  };
  const follow = def.sitemap === undefined;
  if (def.sitemap) {
    const pending = [def.sitemap];
    const visited = new Set<string>();
    while (pending.length > 0) {
      const sm = pending.shift()!;
      if (visited.has(sm) || visited.size >= 50) continue;
      visited.add(sm);
      const res = await get(sm).catch((err: Error) => {
        throw new SourceFailure(`sitemap ${sm}: ${err.message}`);
      });
      if (!res.ok) throw new SourceFailure(`sitemap ${sm}: HTTP ${res.status}`);
      const xml = await readLimited(res, 50 * 1024 * 1024);
      if (xml === null) throw new SourceFailure(`sitemap ${sm}: larger than 50 MB`);
      const { locs, nested } = sitemapLocs(xml);
      if (nested) pending.push(...locs);
      else for (const l of locs) enqueue(l);
    }
  } else for (const u of def.start_urls ?? []) enqueue(u);

  let done = 0;
  while (queue.length > 0) {
    let url = queue.shift()!;
    if (Object.keys(result.pages).length >= def.max_pages) {
      result.skipped.push({ url, reason: `max_pages (${def.max_pages}) reached` });
      continue;
    }
    ctx.onProgress(done, done + queue.length + 1, url);
    done++;
    if (!(await robotsFor(url)).allowed(url)) {
      result.skipped.push({ url, reason: 'disallowed by robots.txt' });
      continue;
    }
    let prev = ctx.prev.pages[url];
    const conditional: Record<string, string> = {};
    if (prev?.etag) conditional['if-none-match'] = prev.etag;
    if (prev?.lastModified) conditional['if-modified-since'] = prev.lastModified;
    const keepPrev = async (message: string) => {
      result.errors.push({ url, message });
      if (prev && (await reusePage(ctx.prevDir, ctx.outDir, prev.file))) result.pages[url] = prev;
    };
    let res: Response;
    try {
      res = await get(url, conditional);
    } catch (err) {
      await keepPrev((err as Error).message);
      continue;
    }
    // A redirect: the page is stored under where it landed, when that is in scope and allowed.
    const finalUrl = res.url ? normalize(res.url) : url;
    if (finalUrl !== url) {
      const why = !inScope(finalUrl)
        ? `redirects outside ${prefix} (${finalUrl})`
        : seen.has(finalUrl) && finalUrl in result.pages
          ? `redirects to ${finalUrl}, already synced`
          : !(await robotsFor(finalUrl)).allowed(finalUrl)
            ? `redirects to ${finalUrl}, disallowed by robots.txt`
            : undefined;
      if (why) {
        await res.body?.cancel().catch(() => {});
        result.skipped.push({ url, reason: why });
        continue;
      }
      seen.add(finalUrl);
      url = finalUrl;
      prev = ctx.prev.pages[url];
    }
    if (res.status === 304 && prev) {
      if (await reusePage(ctx.prevDir, ctx.outDir, prev.file)) {
        result.pages[url] = prev;
        result.unchanged++;
        // Without a sitemap the links of an unchanged page (kept in the state) still lead on.
        if (follow) for (const link of prev.links ?? []) enqueue(link);
        continue;
      }
      res = await get(url);
    }
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel().catch(() => {});
      continue; // gone: not written, so the indexer removes it
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      await keepPrev(`HTTP ${res.status}`);
      continue;
    }
    const type = (res.headers.get('content-type') ?? '').toLowerCase();
    if (!type.includes('text/html') && !type.includes('application/xhtml')) {
      await res.body?.cancel().catch(() => {});
      result.skipped.push({ url, reason: `not HTML (${type.split(';')[0] || 'no content type'})` });
      continue;
    }
    let html: string | null;
    try {
      html = await readLimited(res, def.max_page_bytes);
    } catch (err) {
      await keepPrev((err as Error).message);
      continue;
    }
    if (html === null) {
      result.skipped.push({ url, reason: `larger than max_page_bytes (${def.max_page_bytes} bytes)` });
      continue;
    }
    const page = extractPage(html);
    const links: string[] = [];
    for (const href of page.links) {
      try {
        links.push(normalize(new URL(href, url).toString()));
      } catch {
        // not a URL
      }
    }
    const inScopeLinks = [...new Set(links.filter(inScope))];
    if (follow) for (const l of inScopeLinks) enqueue(l);
    const u = new URL(url);
    const file = prev?.file ?? pageFileName(url, `${u.pathname}`.replace(/\.html?$/, '') || 'index');
    const title = page.title || u.pathname;
    const state: PageState = { file, url, title, ...(follow ? { links: inScopeLinks } : {}) };
    const etag = res.headers.get('etag');
    const lastModified = res.headers.get('last-modified');
    if (etag) state.etag = etag;
    if (lastModified) state.lastModified = lastModified;
    await writePage(
      ctx.outDir,
      file,
      {
        title,
        url,
        updated: lastModified ? new Date(lastModified).toISOString() : new Date().toISOString(),
        valid_from: def.valid_from,
        valid_until: def.valid_until,
      },
      page.markdown,
    );
    result.pages[url] = state;
    result.changed++;
  }
  ctx.onProgress(done, done);
  return result;
}

export { SourceFailure };
