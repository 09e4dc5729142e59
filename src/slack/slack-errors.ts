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

/** A log-friendly summary of an error: never the request (which can carry tokens), never for users. */
export function errorSummary(err: unknown): { code?: string; message: string } {
  const code =
    slackErrorCode(err) ?? (typeof err === 'object' && err !== null ? stringProp(err, 'code') : undefined);
  const message = err instanceof Error ? err.message : String(err);
  return code ? { code, message } : { message };
}

function stringProp(o: object, key: string): string | undefined {
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}
