import { scrubPii } from './pii.js';

/**
 * Defence in depth for logs: whatever a caller passes (a question, an error message from a
 * provider, a Slack payload), secrets and PII are replaced before pino writes it.
 */
const SECRETS =
  /\b(?:sk-[A-Za-z0-9_-]{8,}|xox[abeprs]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})|\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Longest string a log field keeps; the rest is cut before any pattern runs on it. */
export const MAX_LOGGED_CHARS = 4096;

/**
 * Scrubs one string for the logs. The input is cut to MAX_LOGGED_CHARS first: a log line never
 * needs more, and it bounds what the patterns see (a 16 KB URL path used to block the event loop).
 */
export function scrubText(text: string): string {
  const bounded =
    text.length > MAX_LOGGED_CHARS
      ? `${text.slice(0, MAX_LOGGED_CHARS)}…[${text.length - MAX_LOGGED_CHARS} more chars cut]`
      : text;
  return scrubPii(bounded.replace(SECRETS, '[secret]'));
}

export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: scrubText(value.message) };
    if (value.stack) out.stack = scrubText(value.stack);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}
