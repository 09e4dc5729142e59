import { createHmac, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { type BuiltApp, buildApp } from '../../src/app/build.js';
import { attachSlack } from '../../src/app/slack.js';
import { loadConfig } from '../../src/config.js';
import type { Copilot } from '../../src/domain/copilot.js';
import { createLogger } from '../../src/logger.js';
import { InProcessAnswerStore } from '../../src/memory/in-process.js';
import { createSlackApp } from '../../src/slack/app.js';
import type { SlackAppDeps, SlackAppHandle } from '../../src/slack/types.js';
import { InMemoryHandoffs } from '../fakes/in-memory-handoffs.js';
import {
  type Args,
  FAKE_AUTH,
  type FakeSlackApi,
  type SlackCall,
  startFakeSlackApi,
} from '../fakes/slack-api.js';
import { ScriptedCopilot } from '../fakes/slack-scripted-copilot.js';

export const SIGNING_SECRET = 'test-signing-secret';
export const TEAM = FAKE_AUTH.team_id;
export const BOT = FAKE_AUTH.user_id;

// ---------------------------------------------------------------- signed requests

export interface SignOptions {
  /** Unix seconds; default now. */
  timestamp?: number;
  retryNum?: number;
  /** Overrides the computed signature (to test rejection). */
  signature?: string;
}

export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * POSTs to `${baseUrl}/slack/events` exactly as Slack does: `X-Slack-Signature` is the v0
 * HMAC-SHA256 of `v0:${ts}:${rawBody}`. Objects go as JSON (events); strings as form bodies
 * (interactive payloads and slash commands, see formPayload/slashCommand).
 */
export async function signedRequest(
  baseUrl: string,
  signingSecret: string,
  body: string | object,
  opts: SignOptions = {},
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    // Bolt compares the content type exactly: no charset suffix.
    'content-type': typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': opts.signature ?? slackSignature(signingSecret, timestamp, raw),
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body: raw });
}

// ---------------------------------------------------------------- payload builders

let seq = 0;
/** A fresh, increasing Slack-style ts for user messages. */
export function userTs(): string {
  seq += 1;
  return `1600000000.${String(seq).padStart(6, '0')}`;
}

export function eventCallback(event: Args, opts: { eventId?: string; team?: string } = {}): Args {
  return {
    token: 'legacy-verification-token',
    team_id: opts.team ?? TEAM,
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: opts.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: opts.team ?? TEAM, user_id: BOT, is_bot: true, enterprise_id: null }],
    event: { event_ts: event.ts, ...event },
  };
}

/** An event payload whose message fields tests read back. */
export type MessageEventArgs = Args & { ts: string; channel: string };

export interface MessageOpts {
  channel?: string;
  user?: string;
  text: string;
  ts?: string;
  threadTs?: string;
}

export function appMention(o: MessageOpts): MessageEventArgs {
  return {
    type: 'app_mention',
    channel: o.channel ?? 'C1',
    user: o.user ?? 'U1',
    team: TEAM,
    text: `<@${BOT}> ${o.text}`,
    ts: o.ts ?? userTs(),
    ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
  };
}

export function channelMessage(o: MessageOpts & { mention?: boolean }): MessageEventArgs {
  return {
    type: 'message',
    channel: o.channel ?? 'C1',
    channel_type: 'channel',
    user: o.user ?? 'U1',
    team: TEAM,
    text: o.mention ? `<@${BOT}> ${o.text}` : o.text,
    ts: o.ts ?? userTs(),
    ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
  };
}

export function dmMessage(o: MessageOpts): MessageEventArgs {
  return { ...channelMessage({ ...o, channel: o.channel ?? 'D1' }), channel_type: 'im' };
}

export function botMessage(o: MessageOpts & { own?: boolean }): MessageEventArgs {
  return {
    type: 'message',
    subtype: 'bot_message',
    channel: o.channel ?? 'C1',
    channel_type: 'channel',
    bot_id: o.own ? FAKE_AUTH.bot_id : 'BOTHER',
    ...(o.own ? { user: BOT } : {}),
    text: o.text,
    ts: o.ts ?? userTs(),
    ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
  };
}

export function messageChanged(o: MessageOpts): MessageEventArgs {
  const ts = o.ts ?? userTs();
  return {
    type: 'message',
    subtype: 'message_changed',
    channel: o.channel ?? 'C1',
    channel_type: 'channel',
    hidden: true,
    ts: userTs(),
    message: {
      type: 'message',
      user: o.user ?? 'U1',
      text: o.text,
      ts,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
    },
    previous_message: { type: 'message', user: o.user ?? 'U1', text: 'before', ts },
  };
}

export function formPayload(payload: Args): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export function blockAction(o: {
  actionId: string;
  value: string;
  user?: string;
  channel?: string;
  messageTs: string;
  threadTs?: string;
  responseUrl?: string;
}): string {
  const channel = o.channel ?? 'C1';
  return formPayload({
    type: 'block_actions',
    team: { id: TEAM, domain: 'fake' },
    user: { id: o.user ?? 'U1', username: 'asker', team_id: TEAM },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: `trig-${randomUUID()}`,
    response_url: o.responseUrl ?? 'http://127.0.0.1:9/unused',
    channel: { id: channel, name: 'support' },
    container: {
      type: 'message',
      message_ts: o.messageTs,
      channel_id: channel,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
    },
    message: {
      type: 'message',
      ts: o.messageTs,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
      text: 'answer',
    },
    actions: [
      {
        type: 'button',
        action_id: o.actionId,
        block_id: 'b',
        value: o.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: String(Date.now() / 1000),
      },
    ],
  });
}

/** A click on the App Home's reindex button (`kb_reindex`), as Slack posts it. */
export function homeReindexClick(user: string): string {
  return formPayload({
    type: 'block_actions',
    team: { id: TEAM, domain: 'fake' },
    user: { id: user, username: 'x', team_id: TEAM },
    api_app_id: 'A1',
    token: 't',
    trigger_id: 'trig',
    container: { type: 'view', view_id: 'VHOME' },
    view: {
      id: 'VHOME',
      type: 'home',
      callback_id: '',
      private_metadata: '',
      state: { values: {} },
      hash: 'h',
    },
    actions: [
      { type: 'button', action_id: 'kb_reindex', block_id: 'home_admin', value: 'reindex', action_ts: '1.1' },
    ],
  });
}

/** One input's state in a view submission: a text value, or the ticked options of checkboxes. */
export interface ViewValue {
  type: string;
  value?: string | null;
  selected_options?: Array<{ value: string; text?: { type: 'plain_text'; text: string } }>;
}

export function viewPayload(o: {
  type?: 'view_submission' | 'view_closed';
  callbackId: string;
  privateMetadata: string;
  values?: Record<string, Record<string, ViewValue>>;
  user?: string;
}): string {
  return formPayload({
    type: o.type ?? 'view_submission',
    team: { id: TEAM, domain: 'fake' },
    user: { id: o.user ?? 'U1', name: 'asker', team_id: TEAM },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: 'trig',
    ...(o.type === 'view_closed' ? { is_cleared: false } : {}),
    view: {
      id: 'V1',
      type: 'modal',
      callback_id: o.callbackId,
      private_metadata: o.privateMetadata,
      team_id: TEAM,
      app_id: 'A1',
      bot_id: FAKE_AUTH.bot_id,
      state: { values: o.values ?? {} },
      hash: 'h',
    },
  });
}

export function slashCommand(o: {
  text: string;
  user?: string;
  channel?: string;
  responseUrl: string;
}): string {
  return new URLSearchParams({
    token: 'legacy',
    team_id: TEAM,
    team_domain: 'fake',
    channel_id: o.channel ?? 'C1',
    channel_name: 'support',
    user_id: o.user ?? 'U1',
    user_name: 'someone',
    command: '/copilot',
    text: o.text,
    api_app_id: 'A1',
    response_url: o.responseUrl,
    trigger_id: `trig-${randomUUID()}`,
  }).toString();
}

// ---------------------------------------------------------------- reading what reached Slack

/** Text of markdown chunks (and markdown_text) in a stream call. */
export function chunkText(args: Args): string {
  const chunks = Array.isArray(args.chunks) ? args.chunks : [];
  const fromChunks = chunks
    .map((c: unknown) =>
      isArgs(c) && c.type === 'markdown_text' && typeof c.text === 'string' ? c.text : '',
    )
    .join('');
  return fromChunks + (typeof args.markdown_text === 'string' ? args.markdown_text : '');
}

/** Everything streamed natively (start + appends + stop) in call order; `ts` picks one message. */
export function nativeText(calls: SlackCall[], ts?: string): string {
  return calls
    .filter(
      (c) => c.status === 200 && !c.error && c.method.startsWith('chat.') && c.method.endsWith('Stream'),
    )
    .filter((c) => ts === undefined || c.args.ts === ts || c.response?.ts === ts)
    .map((c) => chunkText(c.args))
    .join('');
}

/** Resolves once no call has reached the fake for `quietMs` (late listeners have finished). */
export async function quiet(fake: FakeSlackApi, quietMs = 150): Promise<void> {
  let count = -1;
  while (count !== fake.calls.length) {
    count = fake.calls.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
}

/** The final text of each fallback message (last postMessage/update per ts), in ts order. */
export function fallbackTexts(calls: SlackCall[], channel?: string): Map<string, string> {
  const byTs = new Map<string, string>();
  for (const c of calls) {
    if (c.status !== 200 || c.error) continue;
    if (c.method !== 'chat.postMessage' && c.method !== 'chat.update') continue;
    if (channel && c.args.channel !== channel) continue;
    const ts = c.method === 'chat.update' ? String(c.args.ts) : c.response?.ts;
    if (typeof ts !== 'string') continue;
    byTs.set(ts, messageText(c.args));
  }
  return new Map([...byTs.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Visible text of a message call: markdown_text, else the markdown blocks, else text. */
export function messageText(args: Args): string {
  if (typeof args.markdown_text === 'string') return args.markdown_text;
  const blocks = Array.isArray(args.blocks) ? args.blocks : [];
  const md = blocks
    .filter((b: unknown) => isArgs(b) && b.type === 'markdown')
    .map((b: unknown) => (isArgs(b) ? String(b.text) : ''));
  if (md.length) return md.join('');
  return typeof args.text === 'string' ? args.text : '';
}

/** The action ids of all buttons in some blocks (including section accessories). */
export function actionIds(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  return blocks.flatMap((b: unknown) => {
    if (!isArgs(b)) return [];
    const elements = Array.isArray(b.elements) ? b.elements : [];
    const all = [...elements, ...(isArgs(b.accessory) ? [b.accessory] : [])];
    return all.flatMap((e: unknown) => (isArgs(e) && typeof e.action_id === 'string' ? [e.action_id] : []));
  });
}

/** The value of the button with `actionId` in some blocks ('' when absent). */
export function buttonValue(blocks: unknown, actionId: string): string {
  if (!Array.isArray(blocks)) return '';
  for (const b of blocks) {
    if (!isArgs(b)) continue;
    const all = [
      ...(Array.isArray(b.elements) ? b.elements : []),
      ...(isArgs(b.accessory) ? [b.accessory] : []),
    ];
    const hit = all.find((e: unknown) => isArgs(e) && e.action_id === actionId);
    if (isArgs(hit)) return String(hit.value ?? '');
  }
  return '';
}

export function isArgs(v: unknown): v is Args {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------- a running app

export interface SlackHarness {
  fake: FakeSlackApi;
  baseUrl: string;
  slack: SlackAppHandle;
  copilot: ScriptedCopilot;
  answers: InProcessAnswerStore;
  handoffs: InMemoryHandoffs;
  /** `user:via` of each reindex run. */
  reindexCalls: string[];
  send(body: string | object, opts?: SignOptions): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The real Bolt app on a real express server (127.0.0.1, random port) at /slack/events, talking
 * to the fake Slack Web API. `copilot` defaults to the scripted one; UADMIN is an admin.
 */
export async function startSlackHarness(
  opts: {
    copilot?: (answers: InProcessAnswerStore) => Copilot;
    deps?: Partial<SlackAppDeps>;
    env?: Record<string, string>;
  } = {},
): Promise<SlackHarness> {
  const fake = await startFakeSlackApi();
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    SLACK_ADMIN_USERS: 'UADMIN',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const answers = new InProcessAnswerStore();
  const handoffs = new InMemoryHandoffs();
  const scripted = new ScriptedCopilot(answers);
  const reindexCalls: string[] = [];
  const slack = createSlackApp({
    config,
    copilot: opts.copilot ? opts.copilot(answers) : scripted,
    handoffs,
    answers,
    logger: createLogger({ level: process.env.SLACK_TEST_LOG ?? 'silent' }),
    reindex: async (user, via) => {
      reindexCalls.push(`${user}:${via}`);
      return { summary: '3 documents, 42 chunks (1 added)' };
    },
    ...opts.deps,
  });
  await slack.start();
  const server = express();
  if (slack.router) server.use('/slack/events', slack.router);
  const http: Server = await new Promise((resolve) => {
    const s = server.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    fake,
    baseUrl,
    slack,
    copilot: scripted,
    answers,
    handoffs,
    reindexCalls,
    send: (body, sign) => signedRequest(baseUrl, SIGNING_SECRET, body, sign),
    close: async () => {
      await slack.stop();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await fake.close();
    },
  };
}

// ---------------------------------------------------------------- the real app with Slack

export interface RealSlackApp {
  fake: FakeSlackApi;
  built: BuiltApp;
  slack: SlackAppHandle;
  /** The HTTP server (Slack at /slack/events, the console API, …). */
  url: string;
  /** Every log line (JSON) the app wrote at info level and above. */
  logs: string[];
  send(body: string | object, opts?: SignOptions): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The real app as main.ts builds it (buildApp + attachSlack) on 127.0.0.1:0, with Slack pointed
 * at a fake Slack Web API: a new one, or `opts.fake` to let several instances share one (the
 * caller then closes it). `env` adds to the Slack settings (KNOWLEDGE_DIR, REDIS_URL, …).
 */
export async function startRealSlackApp(
  env: Record<string, string>,
  opts: { fake?: FakeSlackApi } = {},
): Promise<RealSlackApp> {
  const fake = opts.fake ?? (await startFakeSlackApi());
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const config = loadConfig({
    LOG_LEVEL: 'info',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    SLACK_ADMIN_USERS: 'UADMIN',
    // All test traffic comes from one client and, with Redis, limits outlive a file: only the
    // rate-limit tests may trip it.
    RATE_LIMIT_PER_MINUTE: '1000000',
    HANDOFF_CREATE_PER_MINUTE: '1000000',
    ...env,
  });
  const built = await buildApp(config, logger);
  const slack = await attachSlack(built, logger);
  if (!slack) throw new Error('Slack did not start: check the test config');
  const server: Server = built.http.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    fake,
    built,
    slack,
    url,
    logs,
    send: (body, sign) => signedRequest(url, SIGNING_SECRET, body, sign),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await slack.stop();
      await built.close();
      if (!opts.fake) await fake.close();
    },
  };
}

/** Messages posted (chat.postMessage, successfully) in a channel, optionally in one thread. */
export function postsIn(calls: SlackCall[], channel: string, threadTs?: string): SlackCall[] {
  return calls.filter(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.status === 200 &&
      !c.error &&
      c.args.channel === channel &&
      (threadTs === undefined ? true : c.args.thread_ts === threadTs),
  );
}

/** Calls of one thread: calls that name it, and calls on the messages posted in it. */
export function threadCalls(calls: SlackCall[], threadTs: string): SlackCall[] {
  const mine = new Set<string>();
  const out: SlackCall[] = [];
  for (const c of calls) {
    if (c.args.thread_ts === threadTs) {
      out.push(c);
      if (typeof c.response?.ts === 'string') mine.add(c.response.ts);
    } else if (typeof c.args.ts === 'string' && mine.has(c.args.ts)) {
      out.push(c);
    }
  }
  return out;
}

/** Streams the bot opened in a thread (chat.startStream), whether or not they finished. */
export function streamsIn(calls: SlackCall[], channel: string, threadTs: string): SlackCall[] {
  return calls.filter(
    (c) => c.method === 'chat.startStream' && c.args.channel === channel && c.args.thread_ts === threadTs,
  );
}

/** Waits for the bot's next finished streamed answer in a thread: its text and closing blocks. */
export async function streamedAnswer(
  fake: FakeSlackApi,
  channel: string,
  threadTs: string,
  nth = 0,
  timeoutMs = 20_000,
): Promise<{ text: string; blocks: unknown; ts: string }> {
  let ts = '';
  await fake.waitFor((calls) => {
    const start = streamsIn(calls, channel, threadTs)[nth];
    ts = typeof start?.response?.ts === 'string' ? start.response.ts : '';
    return Boolean(ts) && calls.some((c) => c.method === 'chat.stopStream' && c.args.ts === ts);
  }, timeoutMs);
  const stop = fake.calls.find((c) => c.method === 'chat.stopStream' && c.args.ts === ts);
  return { text: nativeText(fake.calls, ts), blocks: stop?.args.blocks, ts };
}
