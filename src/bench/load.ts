import { createParser } from 'eventsource-parser';

export interface ChatOutcome {
  ok: boolean;
  answerId?: string;
  error?: string;
  ms: number;
}

/** One SSE chat over HTTP; ok when it ends with a `done` event and no `error` event. */
export async function sseChat(url: string, body: unknown): Promise<ChatOutcome> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200 || !res.body)
      return { ok: false, error: `HTTP ${res.status}`, ms: performance.now() - t0 };
    let answerId: string | undefined;
    let done = false;
    let error: string | undefined;
    const parser = createParser({
      onEvent: (e) => {
        if (e.event === 'done') {
          done = true;
          answerId = (JSON.parse(e.data) as { answerId: string }).answerId;
        }
        if (e.event === 'error') error = e.data;
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(chunk, { stream: true }));
    const ms = performance.now() - t0;
    if (error || !done) return { ok: false, error: error ?? 'stream ended without done', ms };
    return answerId ? { ok: true, answerId, ms } : { ok: true, ms };
  } catch (err) {
    return { ok: false, error: (err as Error).message, ms: performance.now() - t0 };
  }
}

/** `n` chats at once, each a different question so the cache does not answer them. */
export async function concurrentChats(
  url: string,
  questions: string[],
  space = 'default',
): Promise<ChatOutcome[]> {
  return Promise.all(
    questions.map((message, i) =>
      sseChat(url, { message, conversationId: `load-${i}-${Date.now()}-bench-conversation`, space }),
    ),
  );
}
