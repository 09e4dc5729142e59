import { CopilotError } from '../errors.js';

/**
 * Provider errors are translated here, once, into the four codes of the AnswerGenerator port.
 * Messages are fixed strings (never the provider's text, which may echo URLs or keys); the
 * original error stays as `cause` for the logs.
 */

/** An LLM failure; `partialText` is what had streamed before it (never a complete answer). */
export class GenerationError extends CopilotError {
  readonly partialText: string;
  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; partialText?: string; status: number },
  ) {
    super(code, message, { cause: opts.cause, hint: 'A teammate can answer instead.', status: opts.status });
    this.name = 'GenerationError';
    this.partialText = opts.partialText ?? '';
  }
}

/** No bytes arrived for the idle timeout after the response started (the SDK's timeout stops at headers). */
export class IdleTimeoutError extends Error {
  constructor(ms: number) {
    super(`No data from the model for ${ms} ms.`);
    this.name = 'IdleTimeoutError';
  }
}

/** The connection broke while the body was being read. */
export class StreamCutError extends Error {
  constructor(cause: unknown) {
    super('The model stream was cut.', { cause });
    this.name = 'StreamCutError';
  }
}

function* chain(err: unknown): Generator<unknown> {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    yield e;
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
}

function prop(e: unknown, key: string): unknown {
  return typeof e === 'object' && e !== null && key in e ? (e as Record<string, unknown>)[key] : undefined;
}

export function translateLLMError(
  err: unknown,
  ctx: { signal?: AbortSignal; partialText?: string },
): CopilotError {
  if (err instanceof CopilotError) return err;
  const base = { cause: err, partialText: ctx.partialText };
  if (ctx.signal?.aborted)
    return new GenerationError('llm:timeout', 'The answer was cancelled.', { ...base, status: 499 });
  const errors = [...chain(err)];
  // The Anthropic SDK's errors keep `name` "Error": their class name tells them apart.
  const names = errors.flatMap((e) => [
    String(prop(e, 'name') ?? ''),
    typeof e === 'object' && e !== null ? e.constructor.name : '',
  ]);
  if (
    names.some((n) => n === 'IdleTimeoutError' || n === 'TimeoutError' || n === 'APIConnectionTimeoutError')
  ) {
    return new GenerationError('llm:timeout', 'The language model took too long to answer.', {
      ...base,
      status: 504,
    });
  }
  // `status` (OpenAI, Anthropic, Google SDKs) or `status_code` (ollama's ResponseError).
  const status = (e: unknown) => prop(e, 'status') ?? prop(e, 'status_code');
  if (errors.some((e) => status(e) === 429 || prop(e, 'lc_error_code') === 'MODEL_RATE_LIMIT')) {
    return new GenerationError('llm:rate_limited', 'The language model is busy right now.', {
      ...base,
      status: 429,
    });
  }
  // undici reports a socket closed mid-body as TypeError("terminated").
  if (
    names.includes('StreamCutError') ||
    errors.some(
      (e) =>
        prop(e, 'message') === 'terminated' ||
        // ollama's client when the NDJSON body ends before its `done` line.
        prop(e, 'message') === 'Did not receive done or success response in stream.' ||
        String(prop(e, 'message')).startsWith('[GoogleGenerativeAI Error]: Error reading from the stream'),
    )
  ) {
    return streamCut(err, ctx.partialText);
  }
  if (names.includes('AbortError')) {
    return new GenerationError('llm:timeout', 'The answer was cancelled.', { ...base, status: 499 });
  }
  return new GenerationError('llm:failed', 'The language model could not answer.', { ...base, status: 502 });
}

export function streamCut(cause: unknown, partialText = ''): GenerationError {
  return new GenerationError('llm:stream_cut', 'The answer was cut off before it finished.', {
    cause,
    partialText,
    status: 502,
  });
}

/**
 * fetch for the OpenAI SDK whose response body errors with IdleTimeoutError when no bytes arrive
 * for `idleMs`, and with StreamCutError when the connection breaks mid-body. The SDK's own
 * `timeout` only covers the wait for headers, so a stalled stream would otherwise hang forever.
 */
export function fetchWithIdleTimeout(idleMs: number): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let timer: NodeJS.Timeout | undefined;
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new IdleTimeoutError(idleMs)), idleMs);
        });
        try {
          const { done, value } = await Promise.race([reader.read(), idle]);
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          // An abort must stay an AbortError: the SDK treats it as a deliberate stop.
          const failure =
            prop(err, 'name') === 'AbortError' || err instanceof IdleTimeoutError
              ? err
              : new StreamCutError(err);
          reader.cancel(failure).catch(() => {});
          controller.error(failure);
        } finally {
          clearTimeout(timer);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
