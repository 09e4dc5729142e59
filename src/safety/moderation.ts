/**
 * Optional moderation endpoint with OpenAI's shape: POST {input} → {results:[{flagged, categories}]}.
 * Any HTTP endpoint answering the same shape works. A failing endpoint never blocks an answer
 * (the keyword lists still apply); the caller logs the error.
 */
export interface ModerationVerdict {
  flagged: boolean;
  categories: string[];
}

export interface ModerationClient {
  check(text: string, signal?: AbortSignal): Promise<ModerationVerdict>;
}

export function createModerationClient(opts: {
  url: string;
  apiKey?: string;
  model?: string;
  timeoutMs: number;
}): ModerationClient {
  return {
    async check(text, signal) {
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
        },
        body: JSON.stringify({ input: text, ...(opts.model ? { model: opts.model } : {}) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (!res.ok) throw new Error(`moderation endpoint answered HTTP ${res.status}`);
      const body = (await res.json()) as {
        results?: { flagged?: boolean; categories?: Record<string, boolean> }[];
      };
      const first = body.results?.[0];
      if (!first || typeof first.flagged !== 'boolean')
        throw new Error('moderation endpoint: unexpected reply');
      const categories = Object.entries(first.categories ?? {})
        .filter(([, on]) => on === true)
        .map(([name]) => name);
      return { flagged: first.flagged, categories };
    },
  };
}
