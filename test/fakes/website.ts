import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePage {
  status?: number;
  type?: string;
  body?: string;
  /** Redirect target (path); the status defaults to 301. */
  location?: string;
  delayMs?: number;
  /** Send no ETag/Last-Modified (forces a full fetch every run). */
  noValidators?: boolean;
}

/** A local website: pages by path, ETags from the body, request log per path. */
export interface FakeSite {
  url: string;
  pages: Map<string, FakePage>;
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

export async function startFakeSite(pages: Record<string, FakePage | string> = {}): Promise<FakeSite> {
  const map = new Map<string, FakePage>(
    Object.entries(pages).map(([k, v]) => [k, typeof v === 'string' ? { body: v } : v]),
  );
  const requests: { path: string; status: number }[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const page = map.get(path);
    const send = (status: number, headers: Record<string, string>, body?: string) => {
      requests.push({ path, status });
      res.writeHead(status, headers);
      res.end(body);
    };
    const respond = () => {
      if (!page) return send(404, { 'content-type': 'text/plain' }, 'not found');
      if (page.location) return send(page.status ?? 301, { location: page.location });
      const body = page.body ?? '';
      const headers: Record<string, string> = { 'content-type': page.type ?? 'text/html; charset=utf-8' };
      if (!page.noValidators && (page.status ?? 200) === 200) {
        const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
        headers.etag = etag;
        if (req.headers['if-none-match'] === etag) return send(304, { etag });
      }
      send(page.status ?? 200, headers, body);
    };
    if (page?.delayMs) setTimeout(respond, page.delayMs).unref();
    else respond();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pages: map,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const html = (title: string, main: string, links: string[] = []) =>
  `<!doctype html><html><head><title>${title}</title><style>.x{}</style><script>var secret=1</script></head>
<body><header>SITE HEADER</header><nav>${links.map((l) => `<a href="${l}">${l}</a>`).join(' ')}</nav>
<main>${main}</main><aside>SIDEBAR</aside><footer>SITE FOOTER</footer></body></html>`;
