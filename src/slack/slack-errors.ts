/**
 * The Slack error code (`not_allowed`, `expired_trigger_id`, …) of a failed Web API call, if any.
 * WebAPIPlatformError keeps the response in `data`; other errors (HTTP, network) have none.
 */
export function slackErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const data = (err as { data?: unknown }).data;
  if (typeof data === 'object' && data !== null) {
    const code = (data as { error?: unknown }).error;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Runs one Web API call; if it fails, the error remembers which method it was, so the log line
 * written from `errorSummary` names it (Slack's errors carry the code but not the method).
 */
export async function slackCall<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (typeof err === 'object' && err !== null && !('slackMethod' in err)) {
      Object.defineProperty(err, 'slackMethod', { value: method, enumerable: false });
    }
    throw err;
  }
}

/** A log-friendly summary of an error: never the request (which can carry tokens), never for users. */
export function errorSummary(err: unknown): { method?: string; code?: string; message: string } {
  const isObject = typeof err === 'object' && err !== null;
  const code = slackErrorCode(err) ?? (isObject ? stringProp(err, 'code') : undefined);
  const method = isObject ? stringProp(err, 'slackMethod') : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return { ...(method ? { method } : {}), ...(code ? { code } : {}), message };
}

function stringProp(o: object, key: string): string | undefined {
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}
