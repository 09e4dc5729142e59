import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { AskInput } from '../../src/domain/copilot.js';
import { createHttpApp } from '../../src/http/app.js';
import { ANSWER_TOKENS, createScriptedCopilot, type ScriptName } from '../fakes/scripted-copilot.js';

// The script is chosen by the question, so one server covers every path.
const pick = (input: AskInput): ScriptName => {
  const m = /^#(\w+)/.exec(input.message);
  return (m?.[1] as ScriptName | undefined) ?? 'answer';
};
const copilot = createScriptedCopilot({ pick, delayMs: 25, spaces: ['default', 'apparel'] });
let server: Server;
let base: string;

beforeAll(async () => {
  const { app, mount } = createHttpApp({
    config: loadConfig({}),
    copilot,
    logger: pino({ level: 'silent' }),
    heartbeatMs: 40,
  });
  // A router mounted after creation still runs before the 404 handler, and without a JSON parser.
  const later = express.Router();
  later.post('/slack/events', express.text({ type: '*/*' }), (req, res) => {
    res.json({ raw: req.body });
  });
  mount('/', later);
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

/** A second app on its own port, for options the shared one does not have. */
async function withApp<T>(
  extra: Partial<Parameters<typeof createHttpApp>[0]>,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const { app } = createHttpApp({
    config: loadConfig({}),
    copilot,
    logger: pino({ level: 'silent' }),
    ...extra,
  });
  const s = app.listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  try {
    return await fn(`http://127.0.0.1:${(s.address() as AddressInfo).port}`);
  } finally {
    await new Promise((r) => s.close(r));
  }
}

interface Received {
  event: string;
  data: Record<string, unknown>;
  at: number;
}

async function chat(body: unknown) {
  const res = await fetch(`${base}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const events: Received[] = [];
  let comments = 0;
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    return {
      res,
      events,
      comments,
      json: (await res.json()) as { error: { code: string; message: string } },
    };
  }
  const parser = createParser({
    onEvent: (e) => events.push({ event: e.event ?? 'message', data: JSON.parse(e.data), at: Date.now() }),
    onComment: () => {
      comments++;
    },
  });
  const decoder = new TextDecoder();
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  return { res, events, comments, endedAt: Date.now(), json: undefined };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

function expectNoStack(text: string) {
  expect(text).not.toMatch(/\bat .+\(.+:\d+:\d+\)|node_modules|\/secret\/|\.ts:\d+/);
}

describe('POST /api/chat', () => {
  it('streams meta → tokens → sources → done, first token well before the end', async () => {
    const { res, events, endedAt } = await chat({ message: 'How long do refunds take?' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(events.map((e) => e.event)).toEqual([
      'meta',
      ...ANSWER_TOKENS.map(() => 'token'),
      'sources',
      'done',
    ]);
    expect(events.map((e) => e.data.text).join('')).toBe(ANSWER_TOKENS.join(''));
    // `type` is the event name, not repeated in the data; `status` is never sent.
    expect(events[0]?.data).not.toHaveProperty('type');
    const firstToken = events.find((e) => e.event === 'token');
    expect(endedAt! - firstToken!.at).toBeGreaterThanOrEqual(100);
    const meta = events[0]?.data as { conversationId: string; answerId: string };
    // 128 random bits, base64url: the id is the capability to read the teammates' replies.
    expect(meta.conversationId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(events.at(-1)?.data).toMatchObject({ answerId: meta.answerId, decision: 'answer' });
    const call = copilot.calls.at(-1)!;
    expect(call.input).toMatchObject({ conversationKey: `web:${meta.conversationId}`, space: 'default' });
  });

  it('refuses a short client-chosen conversation id (guessable), on the chat and events routes', async () => {
    for (const id of ['c', 'conv_1', 'a'.repeat(21)]) {
      const { res } = await chat({ message: 'Hi', conversationId: id });
      expect(res.status, id).toBe(400);
      const events = await fetch(`${base}/api/conversations/${id}/events`);
      expect(events.status, id).toBe(400);
      await events.body?.cancel();
    }
  });

  it('keeps a given conversation id and space, and sends heartbeats while streaming', async () => {
    const { events, comments } = await chat({
      message: 'Hi',
      conversationId: 'conv_1-conversation-00000000',
      space: 'apparel',
    });
    expect(events[0]?.data.conversationId).toBe('conv_1-conversation-00000000');
    expect(copilot.calls.at(-1)?.input).toMatchObject({
      conversationKey: 'web:conv_1-conversation-00000000',
      space: 'apparel',
    });
    expect(comments).toBeGreaterThan(0);
  });

  it('streams clarify, handoff and error events as they come', async () => {
    const clarify = await chat({ message: '#clarify refunds' });
    expect(clarify.events.map((e) => e.event)).toEqual(['meta', 'clarify', 'done']);
    expect(clarify.events[1]?.data.options).toHaveLength(2);
    const handoff = await chat({ message: '#handoff' });
    expect(handoff.events.map((e) => e.event)).toEqual(['meta', 'token', 'handoff', 'done']);
    expect(handoff.events.at(-1)?.data.decision).toBe('escalate');
    const error = await chat({ message: '#error' });
    expect(error.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'llm:unavailable' } });
  });

  it('turns an unexpected throw into a user-safe error event', async () => {
    const { events, res } = await chat({ message: '#throw' });
    expect(res.status).toBe(200);
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'copilot:failed' } });
    expectNoStack(JSON.stringify(events));
  });

  it.each([
    ['empty message', { message: '' }, /message must not be empty/],
    ['whitespace-only message', { message: ' \n\t ' }, /message must not be empty/],
    ['missing message', {}, /message is required/],
    ['too long message', { message: 'x'.repeat(4001) }, /message must be at most 4000/],
    ['wrong type', { message: 42 }, /message must be a string/],
    ['bad conversationId', { message: 'hi', conversationId: 'a b/c' }, /conversationId must be/],
    ['bad space', { message: 'hi', space: '../etc' }, /space must be/],
    ['array body', [1, 2], /JSON object/],
  ])('400 for %s, with a reason', async (_name, body, reason) => {
    const { res, json } = await chat(body);
    expect(res.status).toBe(400);
    expect(json?.error.code).toBe('http:bad_request');
    expect(json?.error.message).toMatch(reason);
  });

  it('400 for an unknown space, without listing the others', async () => {
    const { res, json } = await chat({ message: 'hi', space: 'nope' });
    expect(res.status).toBe(400);
    expect(json?.error).toMatchObject({ code: 'space:unknown' });
    expect(json?.error.message).toMatch(/nope/);
    expect(JSON.stringify(json)).not.toMatch(/apparel/);
  });

  it('400 for invalid JSON and for a non-JSON content type', async () => {
    const bad = await post('/api/chat', '{"message": ');
    expect(bad.status).toBe(400);
    const body = await bad.text();
    expect(JSON.parse(body).error).toMatchObject({ code: 'http:bad_json' });
    expectNoStack(body);
    const text = await post('/api/chat', 'hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(400);
    expect((await text.json()).error.message).toMatch(/JSON object/);
  });

  it('400 naming the field for a 100 KB message; 413 for a body over the parser limit', async () => {
    const res = await post('/api/chat', { message: 'x'.repeat(100 * 1024) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('http:bad_request');
    expect(body.error.message).toMatch(/message/);
    const huge = await post('/api/chat', { message: 'x'.repeat(300 * 1024) });
    expect(huge.status).toBe(413);
    const hugeBody = (await huge.json()) as { error: { code: string; message: string } };
    expect(hugeBody.error.code).toBe('http:too_large');
    expect(hugeBody.error.message).toMatch(/too large.*4,000 characters/);
  });

  it('aborts the copilot when the client disconnects', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: '#endless' }),
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the stream is open and the copilot is running
    const call = copilot.calls.at(-1)!;
    expect(call.input.message).toBe('#endless');
    controller.abort();
    await expect.poll(() => call.aborted, { timeout: 2000 }).toBe(true);
    await expect.poll(() => call.finished, { timeout: 2000 }).toBe(true);
  });
});

describe('POST /api/feedback', () => {
  it('200 for a known answer, 404 for an unknown one, 400 for a bad body', async () => {
    const { events } = await chat({ message: 'refunds?' });
    const answerId = events[0]?.data.answerId as string;
    const ok = await post('/api/feedback', { answerId, rating: 'down', reason: 'Outdated' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
    expect(copilot.feedbacks.at(-1)).toMatchObject({
      answerId,
      feedback: { rating: 'down', reason: 'Outdated' },
    });
    const missing = await post('/api/feedback', { answerId: 'nope', rating: 'up' });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('feedback:unknown_answer');
    const bad = await post('/api/feedback', { answerId, rating: 'meh' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/rating must be "up" or "down"/);
    const long = await post('/api/feedback', { answerId, rating: 'down', reason: 'x'.repeat(1001) });
    expect((await long.json()).error.message).toMatch(/reason must be at most 1000/);
  });
});

describe('status, health and the rest of the surface', () => {
  it('GET /api/status, /healthz and /readyz', async () => {
    const status = await fetch(`${base}/api/status`);
    expect(status.status).toBe(200);
    expect((await status.json()).spaces.map((s: { name: string }) => s.name)).toEqual(['default', 'apparel']);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
  });

  it('/readyz is 503 when a readiness check fails', async () => {
    const readiness = async () => ({ ready: false, checks: { index: false, redis: 'connection refused' } });
    const res = await withApp({ readiness }, (url) => fetch(`${url}/readyz`));
    expect(res.status).toBe(503);
    expect((await res.json()).checks).toEqual({ index: false, redis: 'connection refused' });
  });

  it('unknown routes are a JSON 404', async () => {
    const res = await fetch(`${base}/api/nope`);
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe('http:not_found');
    expectNoStack(text);
  });

  it('security headers, request ids, no x-powered-by, no CORS by default', async () => {
    const res = await fetch(`${base}/api/status`, {
      headers: { origin: 'https://evil.example', 'x-request-id': 'abc-1' },
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBeTruthy();
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('x-request-id')).toBe('abc-1');
    const other = await fetch(`${base}/healthz`);
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('CORS allows only the configured origins', async () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://shop.example' });
    await withApp({ config }, async (url) => {
      const ok = await fetch(`${url}/api/status`, { headers: { origin: 'https://shop.example' } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      const preflight = await fetch(`${url}/api/chat`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
      const other = await fetch(`${url}/api/status`, { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('serves the web page', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Merchant Copilot</title>');
  });

  it("serves the pages' SSE parser and chart library from node_modules, and nothing else from there", async () => {
    const res = await fetch(`${base}/vendor/eventsource-parser.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await res.text()).toContain('function createParser');
    // The console's charts: Chart.js's UMD build (defines the global Chart), also from node_modules.
    const charts = await fetch(`${base}/vendor/chart.umd.js`);
    expect(charts.status).toBe(200);
    expect(charts.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await charts.text()).toMatch(/Chart\.js v4\.5\.1/);
    for (const other of ['/vendor/package.json', '/vendor/..%2Fpackage.json', '/vendor/chart.js'])
      expect((await fetch(`${base}${other}`)).status, other).toBe(404);
  });

  it('routers mounted later run before the 404 and get the raw body', async () => {
    const res = await post('/slack/events', '{"raw":true', { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ raw: '{"raw":true' });
  });
});
