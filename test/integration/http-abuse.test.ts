import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

// The real app (buildApp) twice: as shipped (no ADMIN_TOKEN, no CORS_ORIGINS) and configured.
const kb = copyKnowledge();
const TOKEN = 'abuse-test-admin-token-0123456789';
let plain: RunningApp;
let configured: RunningApp;

beforeAll(async () => {
  plain = await startApp({ KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir });
  configured = await startApp({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    ADMIN_TOKEN: TOKEN,
    CORS_ORIGINS: 'https://shop.example',
  });
});
afterAll(async () => {
  await plain?.close();
  await configured?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

const post = (url: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('request body size limits', () => {
  const big = JSON.stringify({
    message: 'x'.repeat(300 * 1024),
    answerId: 'a',
    rating: 'up',
    conversationId: 'c',
  });

  it('every JSON endpoint under /api refuses a body over 256 KB with 413 and a reason', async () => {
    for (const path of ['/api/chat', '/api/feedback', '/api/handoffs', '/api/console/handoffs/h_1/reply']) {
      const res = await post(`${configured.url}${path}`, big, { authorization: `Bearer ${TOKEN}` });
      expect(res.status, path).toBe(413);
      expect((await res.json()).error).toMatchObject({ code: 'http:too_large' });
    }
  });

  it('a body just under the limit is read and validated (400 naming the field)', async () => {
    const res = await post(`${plain.url}/api/chat`, JSON.stringify({ message: 'x'.repeat(250 * 1024) }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/message must be at most 4000/);
  });

  it('a chunked body with no Content-Length is cut off at the limit too', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"message":"'));
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${plain.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });
});

describe('CORS', () => {
  const origin = 'https://evil.example';
  const preflight = (url: string, from: string) =>
    fetch(`${url}/api/chat`, {
      method: 'OPTIONS',
      headers: {
        origin: from,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  it('is off by default: no Access-Control-Allow-Origin on preflights or simple requests', async () => {
    const pre = await preflight(plain.url, origin);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();
    for (const res of [
      await fetch(`${plain.url}/api/status`, { headers: { origin } }),
      await fetch(`${plain.url}/api/chat`, {
        method: 'POST',
        headers: { origin, 'content-type': 'text/plain' },
        body: '{"message":"hi"}',
      }),
      await fetch(`${plain.url}/healthz`, { headers: { origin } }),
    ]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('with CORS_ORIGINS, only the listed origin (exactly) is allowed', async () => {
    const ok = await preflight(configured.url, 'https://shop.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    for (const other of [origin, 'null', 'https://shop.example.evil.example', 'http://shop.example']) {
      const res = await preflight(configured.url, other);
      expect(res.headers.get('access-control-allow-origin'), other).toBeNull();
      const simple = await fetch(`${configured.url}/api/status`, { headers: { origin: other } });
      expect(simple.headers.get('access-control-allow-origin'), other).toBeNull();
      expect(simple.headers.get('vary')).toMatch(/Origin/);
    }
  });
});

describe('admin and console endpoints', () => {
  const endpoints: Array<[string, string]> = [
    ['POST', '/admin/reindex'],
    ['GET', '/admin/reindex/rj_nope'],
    ['GET', '/api/console/handoffs'],
    ['GET', '/api/console/handoffs/h_nope'],
    ['POST', '/api/console/handoffs/h_nope/claim'],
    ['POST', '/api/console/handoffs/h_nope/reply'],
    ['POST', '/api/console/handoffs/h_nope/resolve'],
  ];
  const call = (url: string, method: string, path: string, authorization?: string) =>
    fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      ...(method === 'POST' ? { body: JSON.stringify({ agent: 'a', text: 'hi' }) } : {}),
    });

  it('are off without ADMIN_TOKEN: 404 saying how to turn them on, whatever token is sent', async () => {
    for (const [method, path] of endpoints) {
      for (const auth of [undefined, `Bearer ${TOKEN}`, 'Bearer ']) {
        const res = await call(plain.url, method, path, auth);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect((await res.json()).error).toMatchObject({
          code: 'admin:off',
          message: expect.stringMatching(/ADMIN_TOKEN/),
        });
      }
    }
  });

  it('with ADMIN_TOKEN: 401 for a missing or wrong token (any length, case, scheme), through with the right one', async () => {
    const wrong = [
      undefined,
      'Bearer',
      'Bearer nope',
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.toUpperCase()}`,
      `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
      `Bearer ${'a'.repeat(10_000)}`,
      TOKEN,
    ];
    for (const [method, path] of endpoints) {
      for (const auth of wrong) {
        const res = await call(configured.url, method, path, auth);
        expect(res.status, `${method} ${path} ${auth?.slice(0, 20)}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect((await res.json()).error.code).toBe('admin:unauthorized');
      }
    }
    const good = `Bearer ${TOKEN}`;
    const reindex = await call(configured.url, 'POST', '/admin/reindex', good);
    expect(reindex.status).toBe(202);
    const { jobId } = (await reindex.json()) as { jobId: string };
    expect((await call(configured.url, 'GET', `/admin/reindex/${jobId}`, good)).status).toBe(200);
    expect((await call(configured.url, 'GET', '/api/console/handoffs', good)).status).toBe(200);
    // Through the guard, unknown tickets are the handler's 404, not the guard's.
    const claim = await call(configured.url, 'POST', '/api/console/handoffs/h_nope/claim', good);
    expect(claim.status).toBe(404);
    expect((await claim.json()).error.code).toBe('handoff:not_found');
  });
});
