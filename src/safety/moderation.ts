import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { SafetyHit } from './matcher.js';

/**
 * Optional moderation endpoint with the shape of OpenAI's moderation API:
 * POST {input} → {results: [{flagged, categories: {name: boolean}}]}. Any HTTP service that
 * answers the same shape works. It fails open: an unreachable or broken endpoint is logged and
 * the lists alone decide (a moderation outage must not stop every answer).
 */
export interface ModerationClient {
  check(text: string): Promise<SafetyHit | null>;
}

const Response = z.object({
  results: z
    .array(z.object({ flagged: z.boolean(), categories: z.record(z.string(), z.boolean()).optional() }))
    .min(1),
});

export function createModerationClient(opts: {
  url: string;
  apiKey?: string;
  model?: string;
  timeoutMs?: number;
  logger: Logger;
}): ModerationClient {
  return {
    async check(text) {
      try {
        const res = await fetch(opts.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
          },
          body: JSON.stringify({ input: text, ...(opts.model ? { model: opts.model } : {}) }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 3000),
        });
        if (!res.ok) throw new Error(`moderation endpoint answered HTTP ${res.status}`);
        const body = Response.parse(await res.json());
        const result = body.results[0];
        if (!result?.flagged) return null;
        const category = Object.entries(result.categories ?? {}).find(([, on]) => on)?.[0] ?? 'flagged';
        return {
          rule: { id: `moderation:${category}`, list: 'moderation', kind: 'moderation', pattern: category },
          match: category,
        };
      } catch (err) {
        opts.logger.warn({ err }, 'moderation check failed; the safety lists alone decide');
        return null;
      }
    },
  };
}
