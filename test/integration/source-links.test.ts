import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium } from '../helpers/services.js';

// apparel is private here; `outside/` sits next to the knowledge dir and must never be served.
const kb = copyKnowledge();
const OUTSIDE = path.join(kb.root, 'outside');
const SECRET = 'TOP-SECRET-OUTSIDE-THE-KNOWLEDGE-DIR';
let app: RunningApp;

beforeAll(async () => {
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'spaces.json'),
    JSON.stringify({ spaces: { default: { public: true }, apparel: { public: false } } }),
  );
  fs.mkdirSync(OUTSIDE);
  fs.writeFileSync(path.join(OUTSIDE, 'secret.md'), `# Secret\n\n${SECRET}\n`);
  // Indexed as ordinary knowledge, then swapped for a symlink out (below) once the index is built.
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'swapped.md'),
    '# Swapped\n\nA harmless note about gift cards.\n',
  );
  // Skipped by the indexer (it points outside), so never in the manifest.
  fs.symlinkSync(path.join(OUTSIDE, 'secret.md'), path.join(kb.knowledgeDir, 'linked-secret.md'));
  app = await startApp({ KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir });
  fs.rmSync(path.join(kb.knowledgeDir, 'swapped.md'));
  fs.symlinkSync(path.join(OUTSIDE, 'secret.md'), path.join(kb.knowledgeDir, 'swapped.md'));
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

/** GET with the path sent exactly as written (fetch would normalise `..` and backslashes away). */
function rawGet(rawPath: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/sources/:space/<source>', () => {
  it('serves a public knowledge file as inert text', async () => {
    const res = await fetch(`${app.url}/api/sources/default/returns-and-refunds.md`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''returns-and-refunds.md");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(await res.text()).toBe(
      fs.readFileSync(path.join(kb.knowledgeDir, 'returns-and-refunds.md'), 'utf8'),
    );
  });

  it('shows PDF and HTML as their extracted text, never as markup; non-ASCII names work', async () => {
    const pdf = await fetch(`${app.url}/api/sources/default/payout-and-settlement-guide.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await pdf.text()).toMatch(/— page 1 —/);
    const html = await fetch(`${app.url}/api/sources/default/shipping-rates.html`);
    expect(html.status).toBe(200);
    expect(await html.text()).not.toMatch(/<(html|script|table)/i);
    const zh = await fetch(`${app.url}/api/sources/default/${encodeURIComponent('结算与提现.md')}`);
    expect(zh.status).toBe(200);
  });

  it('serves a PDF from the indexed text: no parse per request, the served version until the next reindex', async () => {
    const pdfPath = path.join(kb.knowledgeDir, 'payout-and-settlement-guide.pdf');
    const chunks = [...(app.app.index.current().space('default')?.chunks.values() ?? [])].filter(
      (c) => c.source === 'payout-and-settlement-guide.pdf',
    );
    expect(chunks.length).toBeGreaterThan(0);
    const original = fs.readFileSync(pdfPath);
    // A request that parsed the file would now fail (or show the new bytes); the index still holds the text.
    fs.writeFileSync(pdfPath, '%PDF-1.4 not a pdf any more');
    try {
      const res = await fetch(`${app.url}/api/sources/default/payout-and-settlement-guide.pdf`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/^— page 1 —/);
      for (const c of chunks) expect(text).toContain(c.text.slice(-60));
      expect(text).not.toContain('not a pdf any more');
    } finally {
      fs.writeFileSync(pdfPath, original);
    }
  });

  const attempts = [
    '/api/sources/default/../../../../../etc/passwd',
    '/api/sources/default/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/api/sources/default/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/api/sources/default/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/api/sources/default/%252e%252e%252f%252e%252e%252fetc%252fpasswd',
    '/api/sources/default/..%c0%af..%c0%afetc%c0%afpasswd',
    '/api/sources/default//etc/passwd',
    '/api/sources/default/%2Fetc%2Fpasswd',
    '/api/sources/default/..\\..\\..\\etc\\passwd',
    '/api/sources/default/..%5c..%5c..%5cetc%5cpasswd',
    '/api/sources/default/C:%5cWindows%5cwin.ini',
    '/api/sources/default/returns-and-refunds.md%00.txt',
    '/api/sources/default/%00/etc/passwd',
    '/api/sources/default/%E0%A4%A',
    '/api/sources/..%2f..%2f..%2fetc/passwd',
    '/api/sources/%2e%2e/outside/secret.md',
    '/api/sources/default/..%2foutside%2fsecret.md',
    '/api/sources/default/../outside/secret.md',
    '/api/sources/default/linked-secret.md',
    '/api/sources/default/swapped.md',
    '/api/sources/default/spaces.json',
    '/api/sources/default/..%2findex%2fCURRENT',
    '/api/sources/default/./returns-and-refunds.md',
    '/api/sources/apparel/apparel/returns-and-refunds.md',
    '/api/sources/default/apparel/returns-and-refunds.md',
    '/api/sources/Default/returns-and-refunds.md',
    '/api/sources/nope/returns-and-refunds.md',
    `/api/sources/default/${'a/'.repeat(600)}x.md`,
  ];

  it('refuses traversal, encoded traversal, absolute paths, backslashes, NUL, symlinks out and private spaces', async () => {
    const passwd = fs.existsSync('/etc/passwd')
      ? fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0]!
      : 'root:';
    for (const attempt of attempts) {
      const res = await rawGet(attempt);
      expect([400, 404], attempt).toContain(res.status);
      expect(res.type, attempt).toMatch(/^application\/json/);
      expect(res.body, attempt).not.toContain(passwd);
      expect(res.body, attempt).not.toContain(SECRET);
      expect(res.body, attempt).not.toContain('"spaces"');
      expect(res.body, attempt).not.toMatch(/\n\s+at /);
    }
    // The swapped file is in the manifest, so only the realpath check stands between it and the secret.
    expect(Object.keys(app.app.index.current().space('default')?.manifest.files ?? {})).toContain(
      'swapped.md',
    );
  });

  it('links the web chat sources to it (real page in Chromium)', async () => {
    if (!(await chromiumAvailable())) return;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(app.url);
      await page.getByTestId('chat-input').fill('What is the return window for a kettle?');
      await page.getByTestId('chat-input').press('Enter');
      const link = page.getByTestId('message-assistant').last().getByTestId('source-link').first();
      await link.waitFor({ timeout: 20_000 });
      const href = (await link.getAttribute('href')) ?? '';
      expect(href).toMatch(/^\/api\/sources\/default\/.+/);
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
      const res = await fetch(`${app.url}${href}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    } finally {
      await browser.close();
    }
  });

  it('every source an answer cites can be opened', async () => {
    const r = await chat(app.url, { message: 'How are payouts settled and when?' });
    const sources = (r.of('sources')[0]?.sources ?? []) as Array<{ space: string; source: string }>;
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) {
      const url = `${app.url}/api/sources/${s.space}/${s.source.split('/').map(encodeURIComponent).join('/')}`;
      expect((await fetch(url)).status, s.source).toBe(200);
    }
  });
});
