/**
 * Fake Slack Web API for tests: node:http on 127.0.0.1, random port. Point the real WebClient (or
 * Bolt's `clientOptions.slackApiUrl`) at `fake.url` (ends in `/api/`).
 *
 *   const fake = await startFakeSlackApi();
 *   fake.refuse('chat.startStream', 'not_allowed');            // every call fails until cleared
 *   fake.refuse('chat.postMessage', 'channel_not_found', (a) => a.channel === 'CSUP'); // only some calls
 *   fake.fail('chat.appendStream', 'message_not_in_streaming_state', 1);
 *   fake.rateLimitOnce('chat.appendStream', 1);                 // HTTP 429 + Retry-After: 1
 *   await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.stopStream'));
 *   await fake.close();
 *
 * Every call is recorded as `{ method, args, at }` (at = performance.now() of this process, so a
 * test can compare it with the copilot's own timings). Bodies may be form-encoded or JSON; the
 * fields Slack sends as JSON strings (`blocks`, `chunks`, `view`, …) are parsed. Payloads sent to
 * a `response_url` made by `responseUrl(id)` are recorded with method `response_url`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export type Args = Record<string, unknown>;

export interface SlackCall {
  method: string;
  args: Args;
  at: number;
  /** HTTP status the fake answered with (429 for scripted rate limits). */
  status: number;
  /** `ok: false` error the fake answered with, if any. */
  error?: string;
  /** What the fake answered (e.g. the `ts` of a posted message). */
  response?: Args;
}

export interface FakeSlackApi {
  /** Web API base URL, ending in `/api/`. */
  url: string;
  origin: string;
  calls: SlackCall[];
  /** Successful calls of one method (rate-limited and refused attempts excluded). */
  ok(method: string): SlackCall[];
  /** Every call (or every call whose args `match`) fails with `error` until cleared. */
  refuse(method: string, error: string, match?: Match): void;
  fail(method: string, error: string, times?: number, match?: Match): void;
  /** Drops the scripts of one method (others keep theirs). */
  clear(method: string): void;
  rateLimitOnce(method: string, retryAfterSeconds: number): void;
  /** Who `conversations.members` says is in a channel (answered two per page, with cursors). */
  setMembers(channel: string, users: string[]): void;
  clearScripts(): void;
  /** A response_url for slash commands and interactive payloads. */
  responseUrl(id: string): string;
  waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export const FAKE_AUTH = {
  team_id: 'T1',
  user_id: 'UBOT',
  bot_id: 'BBOT',
  team: 'Fake Shop',
  user: 'copilot',
};

const JSON_FIELDS = ['blocks', 'chunks', 'view', 'attachments', 'metadata'];

/** Which calls a script applies to (default: all calls of its method). */
export type Match = (args: Args) => boolean;

type Script =
  | { kind: 'refuse'; error: string; match?: Match }
  | { kind: 'fail'; error: string; left: number; match?: Match }
  | { kind: 'rate'; retryAfter: number; match?: Match };

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: SlackCall[] = [];
  const scripts = new Map<string, Script[]>();
  const waiters = new Set<() => void>();
  const streams = new Map<string, 'in_progress' | 'completed'>();
  const members = new Map<string, string[]>();
  let clock = 0;
  const nextTs = () => {
    clock += 1;
    return `1700000000.${String(clock).padStart(6, '0')}`;
  };

  const record = (call: SlackCall) => {
    calls.push(call);
    for (const wake of [...waiters]) wake();
  };

  const script = (method: string, args: Args): Script | undefined => {
    const list = scripts.get(method);
    const s = list?.find((x) => !x.match || x.match(args));
    if (!list || !s) return undefined;
    const drop = () => list.splice(list.indexOf(s), 1);
    if (s.kind === 'rate') drop();
    if (s.kind === 'fail' && --s.left <= 0) drop();
    return s;
  };

  const respond = (method: string, args: Args): Args => {
    const channel = typeof args.channel === 'string' ? args.channel : 'C1';
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.test/', ...FAKE_AUTH };
      case 'chat.postMessage':
        return { ok: true, channel, ts: nextTs(), message: { text: args.text, bot_id: FAKE_AUTH.bot_id } };
      case 'chat.update':
        return { ok: true, channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.startStream': {
        const ts = nextTs();
        streams.set(ts, 'in_progress');
        return { ok: true, channel, ts };
      }
      case 'chat.appendStream':
      case 'chat.stopStream': {
        const ts = String(args.ts);
        if (streams.get(ts) !== 'in_progress') return { ok: false, error: 'message_not_in_streaming_state' };
        if (method === 'chat.stopStream') streams.set(ts, 'completed');
        return { ok: true, channel, ts };
      }
      case 'chat.getPermalink':
        return {
          ok: true,
          channel,
          permalink: `https://fake.slack.test/archives/${channel}/p${String(args.message_ts).replace('.', '')}`,
        };
      case 'reactions.add':
      case 'reactions.remove':
      case 'assistant.threads.setStatus':
        return { ok: true };
      case 'views.open':
      case 'views.publish':
      case 'views.update':
        return {
          ok: true,
          view: { id: `V${nextTs().replace('.', '')}`, ...(isRecord(args.view) ? args.view : {}) },
        };
      case 'conversations.members': {
        const all = members.get(channel);
        if (!all) return { ok: false, error: 'channel_not_found' };
        const from = Number(args.cursor ?? 0) || 0;
        const next = from + 2 < all.length ? String(from + 2) : '';
        return { ok: true, members: all.slice(from, from + 2), response_metadata: { next_cursor: next } };
      }
      case 'conversations.replies':
        return { ok: true, messages: [], has_more: false };
      case 'users.info':
        return { ok: true, user: { id: args.user, name: 'someone', tz: 'UTC' } };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/respond/')) {
      record({
        method: 'response_url',
        args: { id: path.slice(9), ...parseJson(raw) },
        at: performance.now(),
        status: 200,
      });
      return send(res, 200, 'text/plain', 'ok');
    }
    const method = path.replace(/^\/api\//, '');
    const args = parseArgs(raw, req.headers['content-type']);
    const at = performance.now();
    const s = script(method, args);
    if (s?.kind === 'rate') {
      record({ method, args, at, status: 429 });
      res.setHeader('Retry-After', String(s.retryAfter));
      return send(res, 429, 'application/json', JSON.stringify({ ok: false, error: 'ratelimited' }));
    }
    const body = s ? { ok: false, error: s.error } : respond(method, args);
    const error = body.ok === false ? String(body.error) : undefined;
    record({ method, args, at, status: 200, response: body, ...(error ? { error } : {}) });
    send(res, 200, 'application/json', JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const push = (method: string, s: Script) => scripts.set(method, [...(scripts.get(method) ?? []), s]);
  return {
    url: `${origin}/api/`,
    origin,
    calls,
    ok: (method) => calls.filter((c) => c.method === method && c.status === 200 && !c.error),
    refuse: (method, error, match) => push(method, { kind: 'refuse', error, ...(match ? { match } : {}) }),
    fail: (method, error, times = 1, match) =>
      push(method, { kind: 'fail', error, left: times, ...(match ? { match } : {}) }),
    clear: (method) => {
      scripts.delete(method);
    },
    rateLimitOnce: (method, retryAfter) => push(method, { kind: 'rate', retryAfter }),
    setMembers: (channel, users) => {
      members.set(channel, [...users]);
    },
    clearScripts: () => scripts.clear(),
    responseUrl: (id) => `${origin}/respond/${id}`,
    waitFor: (predicate, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate(calls)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `fake Slack: condition not met in ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    reset: () => {
      calls.length = 0;
      scripts.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseArgs(raw: string, contentType: string | undefined): Args {
  const args: Args = contentType?.includes('application/json')
    ? parseJson(raw)
    : Object.fromEntries(new URLSearchParams(raw).entries());
  for (const field of JSON_FIELDS) {
    const v = args[field];
    if (typeof v === 'string') {
      try {
        args[field] = JSON.parse(v);
      } catch {
        /* leave as sent: a test can assert on the raw string */
      }
    }
  }
  return args;
}

function parseJson(raw: string): Args {
  try {
    const v: unknown = JSON.parse(raw);
    return isRecord(v) ? v : {};
  } catch {
    return {};
  }
}

function isRecord(v: unknown): v is Args {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
