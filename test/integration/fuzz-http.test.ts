import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltApp, buildApp } from '../../src/app/build.js';
import { attachSlack } from '../../src/app/slack.js';
import { loadConfig } from '../../src/config.js';
import { ACTION, VIEW } from '../../src/slack/blocks/ids.js';
import type { SlackAppHandle } from '../../src/slack/types.js';
import { type FakeSlackApi, startFakeSlackApi } from '../fakes/slack-api.js';
import { copyKnowledge } from '../helpers/app.js';
import {
  appMention,
  blockAction,
  channelMessage,
  dmMessage,
  eventCallback,
  quiet,
  SIGNING_SECRET,
  slackSignature,
  slashCommand,
  viewPayload,
} from '../helpers/slack.js';

// Fuzzed requests against the real app with Slack attached (attachSlack, as main.ts does).
// Properties: never a 5xx, never a stack trace in a body, never an unhandled rejection, and the
// server still answers /healthz afterwards.
const kb = copyKnowledge();
const TOKEN = 'fuzz-admin-token-0123456789';
const RUNS = 200;
let fake: FakeSlackApi;
let built: BuiltApp;
let slack: SlackAppHandle | null;
let server: Server;
let url: string;
const problems: string[] = [];
const onRejection = (reason: unknown) => problems.push(`unhandledRejection: ${String(reason)}`);
const onException = (err: unknown) => problems.push(`uncaughtException: ${String(err)}`);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  fake = await startFakeSlackApi();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    ADMIN_TOKEN: TOKEN,
    SLACK_BOT_TOKEN: 'xoxb-fuzz',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    // The fuzz is about parsing and validation; the limiter has its own tests.
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const logger = pino({ level: 'silent' });
  built = await buildApp(config, logger);
  slack = await attachSlack(built, logger);
  server = built.http.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  // Let answers and reindex runs that the fuzz started finish before the folders go away.
  await quiet(fake, 300);
  await waitReindexIdle();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await slack?.stop();
  await built?.close();
  await fake?.close();
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
  fs.rmSync(kb.root, { recursive: true, force: true });
});

async function waitReindexIdle(): Promise<void> {
  const res = await fetch(`${url}/admin/reindex`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const { jobId } = (await res.json()) as { jobId: string };
  for (let i = 0; i < 600; i++) {
    const job = (await (
      await fetch(`${url}/admin/reindex/${jobId}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as {
      status: string;
    };
    if (job.status === 'succeeded' || job.status === 'failed') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------- arbitraries

const enc = new TextEncoder();
const DEEP = 10_000;
const deepArray = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
const deepObject = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;

const wrongValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }),
  fc.constantFrom('up', 'down', 'default', 'apparel', '../../etc', 'a_0123456789abcdef', '__proto__'),
);
const fields = [
  'message',
  'conversationId',
  'space',
  'answerId',
  'rating',
  'reason',
  'agent',
  'text',
  'save',
];
const wrongTypes = fc
  .dictionary(fc.constantFrom(...fields), wrongValue, { maxKeys: 6 })
  .map((o) => enc.encode(JSON.stringify(o)));
const hugeField = fc
  .tuple(
    fc.constantFrom(...fields),
    fc.constantFrom(4001, 70_000, 262_000, 300_000),
    fc.constantFrom('x', 'é', '😀', '\u0000'),
  )
  .map(([field, n, ch]) => enc.encode(JSON.stringify({ message: 'hi', [field]: ch.repeat(n) })));
const invalidUtf8 = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((bytes) =>
    Buffer.concat([
      Buffer.from('{"message":"'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      bytes,
      Buffer.from('"}'),
    ]),
  );
const body = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  wrongTypes,
  hugeField,
  invalidUtf8,
  fc.constantFrom(
    deepArray,
    deepObject,
    `{"message":${deepArray}}`,
    `{"message":"hi","space":${deepObject}}`,
    '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"message":"hi"}',
    '{"message":"What is the return window?","space":"default"}',
    '{"message":"\\u0000\\u0007\\u001b[31m<script>alert(1)</script>"}',
    '',
    'null',
    '[]',
    '"just a string"',
  ),
);
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/json; charset=nonsense',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    '*/*',
    '',
  ),
  fc.stringMatching(/^[a-z]{1,8}\/[a-z+.-]{1,12}$/),
);
const contentEncoding = fc.constantFrom(
  undefined,
  undefined,
  undefined,
  'gzip',
  'deflate',
  'br',
  'identity',
  'x-nope',
);
const request = fc.record({ body, contentType, contentEncoding });
type FuzzRequest = { body: Uint8Array | string; contentType: string; contentEncoding: string | undefined };

// ---------------------------------------------------------------- checks

const STACK = /\n\s+at\s|\bat\s+\S+\s+\(.+:\d+:\d+\)|node_modules|file:\/\//;

async function send(path: string, r: FuzzRequest, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...extra };
  if (r.contentType) headers['content-type'] = r.contentType;
  if (r.contentEncoding) headers['content-encoding'] = r.contentEncoding;
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers,
    body: typeof r.body === 'string' ? r.body : Buffer.from(r.body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text() };
}

function check(path: string, res: { status: number; text: string }): void {
  expect(res.status, `${path} → ${res.status}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
  expect(STACK.test(res.text), `${path} body has a stack trace: ${res.text.slice(0, 300)}`).toBe(false);
}

async function healthy(): Promise<void> {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect(problems).toEqual([]);
}

const fuzz = (path: string, extra: Record<string, string> = {}) =>
  fc.assert(
    fc.asyncProperty(request, async (r) => check(path, await send(path, r, extra))),
    { numRuns: RUNS },
  );

// ---------------------------------------------------------------- Slack payloads

const fuzzText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    ' ',
    '<!channel> <!here> @everyone',
    '<@UBOT> <@UBOT> <@UBOT>',
    'human',
    '转人工',
    'help',
    'status',
    'reindex',
    'handoffs',
    '{"answerId":"a_0123456789abcdef","n":1}',
    '{"answerId":null}',
    '[1,2,3]',
    'x'.repeat(40_000),
  ),
);
const ts = fc.constantFrom('1600000000.000100', '1600000000.000200', 'nope', '');
const slackPayload = fc.oneof(
  fc
    .record({
      kind: fc.constantFrom('mention', 'dm', 'channel'),
      text: fuzzText,
      user: fc.constantFrom('U1', 'U2', 'UBOT'),
      ts,
      threadTs: fc.option(ts, { nil: undefined }),
    })
    .map(({ kind, text, user, ts: t, threadTs }) => {
      const o = { text, user, ts: t, ...(threadTs !== undefined ? { threadTs } : {}) };
      const event = kind === 'mention' ? appMention(o) : kind === 'dm' ? dmMessage(o) : channelMessage(o);
      return JSON.stringify(eventCallback(event));
    }),
  fc
    .record({
      actionId: fc.constantFrom(...Object.values(ACTION)),
      value: fuzzText,
      threadTs: fc.option(ts, { nil: undefined }),
    })
    .map((a) =>
      blockAction({
        ...a,
        ...(a.threadTs !== undefined ? { threadTs: a.threadTs } : {}),
        messageTs: '1600000000.000100',
        responseUrl: fake.responseUrl('fuzz-action'),
      }),
    ),
  fc
    .record({
      callbackId: fc.constantFrom(...Object.values(VIEW)),
      meta: fuzzText,
      value: fc.option(fuzzText, { nil: null }),
    })
    .map(({ callbackId, meta, value }) =>
      viewPayload({
        callbackId,
        privateMetadata: meta,
        values: {
          reason: { reason_input: { type: 'plain_text_input', value } },
          answer: { answer_input: { type: 'plain_text_input', value } },
        },
      }),
    ),
  fuzzText.map((text) => slashCommand({ text, responseUrl: fake.responseUrl('fuzz-command') })),
);

/** Signed exactly as Slack signs: objects are sent as JSON, strings as form bodies. */
function sendSigned(raw: string, type?: string) {
  const t = Math.floor(Date.now() / 1000);
  const contentType =
    type ?? (raw.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded');
  return send(
    '/slack/events',
    { body: raw, contentType, contentEncoding: undefined },
    {
      'x-slack-request-timestamp': String(t),
      'x-slack-signature': slackSignature(SIGNING_SECRET, t, raw),
    },
  );
}

const MALFORMED_SIGNED: Array<[string, string]> = [
  ['{"type":"event_callback","team_id":"T1","event":"up"}', 'application/json'],
  ['{"type":"event_callback","team_id":"T1","event":null}', 'application/json'],
  ['null', 'application/json'],
  ['payload=null', 'application/x-www-form-urlencoded'],
  ['payload=%7B%22type%22%3A%22view_submission%22%7D', 'application/x-www-form-urlencoded'],
];

// ---------------------------------------------------------------- the fuzz

describe('fuzzed request bodies never cause a 5xx, a stack trace or a crash', () => {
  for (const path of ['/api/chat', '/api/feedback', '/api/handoffs']) {
    it(`POST ${path}`, async () => {
      await fuzz(path);
      await healthy();
    });
  }

  it('POST /admin/reindex without a token, with a wrong one, and with the right one', async () => {
    await fuzz('/admin/reindex');
    await fuzz('/admin/reindex', { authorization: 'Bearer wrong' });
    await fuzz('/admin/reindex', { authorization: `Bearer ${TOKEN}` });
    await healthy();
  });

  it('POST /api/console/handoffs/:id/reply with the token', async () => {
    await fuzz('/api/console/handoffs/h_fuzz/reply', { authorization: `Bearer ${TOKEN}` });
    await healthy();
  });

  it('POST /slack/events unsigned: refused (401), whatever the body', async () => {
    await fuzz('/slack/events');
    await fuzz('/slack/events', { 'x-slack-request-timestamp': '0', 'x-slack-signature': 'v0=00' });
    await healthy();
  });

  it('POST /slack/events signed, Slack-shaped payloads with fuzzed contents (reach the listeners)', async () => {
    await fc.assert(
      fc.asyncProperty(slackPayload, async (raw) => {
        check('/slack/events (signed)', await sendSigned(raw));
      }),
      { numRuns: RUNS },
    );
    await quiet(fake, 300);
    await healthy();
  });

  // Known bug outside this file's reach: Bolt throws on a signed envelope of impossible shape and
  // its default handler answers 500. Only a holder of the signing secret can send these, but
  // "never a 5xx" should hold: the fix (a processEventErrorHandler on the ExpressReceiver in
  // src/slack/app.ts answering 400) is described in docs/security.md. Flip to `it` once it lands.
  it('POST /slack/events signed but malformed envelopes get a 4xx, not a 500', async () => {
    for (const [raw, type] of MALFORMED_SIGNED) {
      check('/slack/events (signed, malformed)', await sendSigned(raw, type));
    }
  });

  it('bodies over the limits: 413 from /api and from /slack/events, not a 5xx', async () => {
    const five = 'x'.repeat(5 * 1024 * 1024);
    for (const path of ['/api/chat', '/slack/events']) {
      const res = await send(path, {
        body: `{"message":"${five}"}`,
        contentType: 'application/json',
        contentEncoding: undefined,
      });
      expect(res.status, path).toBe(413);
      check(path, res);
    }
    await healthy();
  });

  it('fuzzed URL paths (GET) never cause a 5xx', async () => {
    const segment = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
      fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2f',
        '%5c',
        '%00',
        '%E0%A4%A',
        '%ff',
        '%',
        '%zz',
        'default',
        'apparel',
        'handoffs',
      ),
    );
    const paths = fc
      .tuple(
        fc.constantFrom('/api/sources', '/api/conversations', '/api/console', '/admin/reindex', '/api', ''),
        fc.array(segment, { maxLength: 6 }),
      )
      .map(([prefix, segs]) => `${prefix}/${segs.join('/')}`);
    await fc.assert(
      fc.asyncProperty(paths, async (p) => {
        const res = await fetch(`${url}${p}`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
        // The conversation events stream stays open by design: an abort there is a success.
        if (!res) return;
        const text = res.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await res.text();
        check(p, { status: res.status, text });
      }),
      { numRuns: RUNS },
    );
    await healthy();
  });
});
