import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A block as the fake returns it: `{ type, text }`, optional children and extra type data. */
export interface FakeBlock {
  type: string;
  text?: string;
  data?: Record<string, unknown>;
  children?: FakeBlock[];
}

export interface FakeNotionPage {
  id: string;
  title: string;
  edited: string;
  /** Database rows: extra properties, as Notion property values. */
  properties?: Record<string, unknown>;
  blocks: FakeBlock[];
  trashed?: boolean;
}

/**
 * A local fake of the Notion API's endpoints the connector uses: POST /v1/search (pages, paginated)
 * and GET /v1/blocks/:id/children (paginated). Checks the bearer token and the Notion-Version header.
 */
export interface FakeNotion {
  url: string;
  token: string;
  pages: Map<string, FakeNotionPage>;
  requests: { method: string; path: string }[];
  /** Fail every request with this status (e.g. 401) while set. */
  failWith: number | null;
  close(): Promise<void>;
}

const rich = (text: string) => [
  { type: 'text', text: { content: text, link: null }, plain_text: text, href: null, annotations: {} },
];

export async function startFakeNotion(token = 'secret_test_token', pageSize = 2): Promise<FakeNotion> {
  const pages = new Map<string, FakeNotionPage>();
  const requests: { method: string; path: string }[] = [];
  const blockIndex = new Map<string, FakeBlock[]>();
  const fake: FakeNotion = { url: '', token, pages, requests, failWith: null, close: async () => {} };

  const blockJson = (parent: string, b: FakeBlock, i: number) => {
    const id = `${parent}-b${i}`;
    if (b.children) blockIndex.set(id, b.children);
    return {
      object: 'block',
      id,
      type: b.type,
      has_children: Boolean(b.children?.length),
      [b.type]: { rich_text: rich(b.text ?? ''), ...(b.data ?? {}) },
    };
  };
  const paginate = <T>(items: T[], cursor: string | null) => {
    const start = cursor ? Number(cursor) : 0;
    const slice = items.slice(start, start + pageSize);
    const more = start + pageSize < items.length;
    return {
      object: 'list',
      results: slice,
      has_more: more,
      next_cursor: more ? String(start + pageSize) : null,
    };
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', path: url.pathname });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${token}` || fake.failWith === 401)
        return send(401, {
          object: 'error',
          status: 401,
          code: 'unauthorized',
          message: 'API token is invalid.',
        });
      if (fake.failWith)
        return send(fake.failWith, {
          object: 'error',
          status: fake.failWith,
          code: 'internal_server_error',
          message: 'down',
        });
      if (!req.headers['notion-version'])
        return send(400, { object: 'error', status: 400, code: 'missing_version', message: 'no version' });
      if (req.method === 'POST' && url.pathname === '/v1/search') {
        const q = JSON.parse(body || '{}') as { start_cursor?: string; filter?: { value?: string } };
        const results = [...pages.values()].map((p) => ({
          object: 'page',
          id: p.id,
          url: `https://www.notion.so/${p.title.replace(/\W+/g, '-')}-${p.id.replace(/-/g, '')}`,
          last_edited_time: p.edited,
          created_time: p.edited,
          in_trash: Boolean(p.trashed),
          archived: Boolean(p.trashed),
          parent: { type: 'workspace', workspace: true },
          properties: { Name: { id: 'title', type: 'title', title: rich(p.title) }, ...(p.properties ?? {}) },
        }));
        return send(200, {
          ...paginate(q.filter?.value === 'page' ? results : [], q.start_cursor ?? null),
          type: 'page_or_data_source',
        });
      }
      const m = /^\/v1\/blocks\/([^/]+)\/children$/.exec(url.pathname);
      if (req.method === 'GET' && m) {
        const id = decodeURIComponent(m[1] ?? '');
        const page = pages.get(id);
        const blocks = page ? page.blocks : blockIndex.get(id);
        if (!blocks)
          return send(404, {
            object: 'error',
            status: 404,
            code: 'object_not_found',
            message: 'no such block',
          });
        const list = blocks.map((b, i) => blockJson(id, b, i));
        return send(200, {
          ...paginate(list, url.searchParams.get('start_cursor')),
          type: 'block',
          block: {},
        });
      }
      send(404, { object: 'error', status: 404, code: 'invalid_request_url', message: 'unknown endpoint' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}
