/**
 * Endpoint handlers of the fake OpenAI server (see openai-server.ts for how to use it).
 * Response shapes follow the OpenAI API closely enough for the official SDK and LangChain.
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Behaviour, FakeContext, RecordedRequest, Usage } from './openai-server.js';

const CJK = '\\u2E80-\\u9FFF\\uF900-\\uFAFF\\uFF00-\\uFFEF';
const TOKEN = new RegExp(`\\s*(?:[${CJK}]|[^\\s${CJK}]+)|\\s+$`, 'gu');

/** Stream tokens: each word with its leading whitespace, each CJK character alone. Joins back losslessly. */
export function splitTokens(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Deterministic unit-ish vector for a text; values are float32 so JSON and base64 agree exactly. */
export function fakeEmbedding(text: string, dims: number): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  const raw: number[] = [];
  for (let d = 0; d < dims; d++) {
    // mulberry32 seeded by the text hash
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), 1 | h);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    raw.push(((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1);
  }
  const norm = Math.hypot(...raw) || 1;
  return raw.map((x) => Math.fround(x / norm));
}

export function sendError(
  res: ServerResponse,
  status: number,
  body?: unknown,
  retryAfterSeconds?: number,
): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  const fallback = {
    error: {
      message: status === 429 ? 'Rate limit reached (fake).' : `Fake server error ${status}.`,
      type: status === 429 ? 'rate_limit_error' : 'server_error',
      param: null,
      code: null,
    },
  };
  res.writeHead(status, headers).end(JSON.stringify(body ?? fallback));
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** Write and wait until the data is handed to the OS, so a later socket.destroy() cannot drop it. */
function write(res: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => res.write(data, () => resolve()));
}

function inputsOf(body: Record<string, unknown>): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [];
  // An array of numbers is one tokenised input; an array of strings/arrays is many inputs.
  if (input.every((x) => typeof x === 'number')) return [JSON.stringify(input)];
  return input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

export function handleEmbeddings(
  ctx: FakeContext,
  rec: RecordedRequest,
  res: ServerResponse,
  behaviour: Behaviour | undefined,
): void {
  if (behaviour?.kind === 'hang') return;
  if (behaviour?.kind === 'cut') {
    res.socket?.destroy();
    ctx.finish(rec, 'cut');
    return;
  }
  if (behaviour?.kind === 'status') {
    sendError(res, behaviour.status, behaviour.body, behaviour.retryAfterSeconds);
    ctx.finish(rec, 'status');
    return;
  }
  const body = rec.body;
  const dims = typeof body.dimensions === 'number' ? body.dimensions : ctx.options.embeddingDimensions;
  const base64 = body.encoding_format === 'base64';
  const inputs = inputsOf(body);
  const data = inputs.map((text, index) => {
    const vec = fakeEmbedding(text, dims);
    const embedding = base64 ? Buffer.from(Float32Array.from(vec).buffer).toString('base64') : vec;
    return { object: 'embedding', index, embedding };
  });
  const tokens = inputs.reduce((n, t) => n + splitTokens(t).length, 0);
  json(res, {
    object: 'list',
    data,
    model: typeof body.model === 'string' ? body.model : 'fake-embedding',
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
  ctx.finish(rec, 'reply');
}

/** Message contents, for a rough prompt-token count. */
function promptText(body: Record<string, unknown>): string[] {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ content?: unknown }>) : [];
  return messages.map((m) => (typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? '')));
}

export async function handleChat(
  ctx: FakeContext,
  rec: RecordedRequest,
  res: ServerResponse,
  behaviour: Behaviour | undefined,
): Promise<void> {
  if (behaviour?.kind === 'hang') return;
  if (behaviour?.kind === 'status') {
    sendError(res, behaviour.status, behaviour.body, behaviour.retryAfterSeconds);
    ctx.finish(rec, 'status');
    return;
  }
  const body = rec.body;
  const stream = body.stream === true;
  if (behaviour?.kind === 'cut' && !stream) {
    res.socket?.destroy();
    ctx.finish(rec, 'cut');
    return;
  }
  const text = behaviour?.text ?? (await ctx.replier()(rec));
  const tokens = splitTokens(text);
  const promptTokens = promptText(body).reduce((n, t) => n + splitTokens(t).length, 0);
  const usage: Usage = (behaviour?.kind === 'reply' ? behaviour.usage : undefined) ?? {
    prompt_tokens: promptTokens,
    completion_tokens: tokens.length,
    total_tokens: promptTokens + tokens.length,
  };
  const id = `chatcmpl-fake-${Math.floor(rec.receivedAt * 1000)}`;
  const created = Math.floor(Date.now() / 1000);
  const model = typeof body.model === 'string' ? body.model : 'fake-model';

  if (!stream) {
    json(res, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage,
    });
    ctx.finish(rec, 'reply');
    return;
  }

  const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    })}\n\n`;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  await write(res, chunk({ role: 'assistant', content: '' }, null));
  const limit = behaviour?.kind === 'cut' ? Math.min(behaviour.afterTokens, tokens.length) : tokens.length;
  const delay =
    (behaviour?.kind === 'reply' ? behaviour.tokenDelayMs : undefined) ?? ctx.options.tokenDelayMs;
  for (let i = 0; i < limit; i++) {
    if (delay > 0) await sleep(delay);
    if (res.destroyed) return; // the client went away; 'close' already recorded it
    await write(res, chunk({ content: tokens[i] }, null));
    rec.tokensSent++;
  }
  if (behaviour?.kind === 'cut') {
    ctx.finish(rec, 'cut');
    res.socket?.destroy();
    return;
  }
  await write(res, chunk({}, 'stop'));
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  if (options?.include_usage === true) {
    await write(
      res,
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
    );
  }
  res.end('data: [DONE]\n\n');
  ctx.finish(rec, 'reply');
}
