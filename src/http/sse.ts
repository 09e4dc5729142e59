import type { Response } from 'express';

/**
 * Server-Sent Events framing. The wire format is
 *   event: <name>\n
 *   data: <line>\n   (one `data:` line per line of the payload)
 *   \n
 * Non-string payloads are JSON (which never contains a raw newline); string payloads are split on
 * every SSE line break (\r\n, \r, \n) so text from a model can never end an event early or smuggle
 * in an extra field such as `event:` or `id:`.
 */
export function formatSse(event: string, data: unknown): string {
  // An event name with a line break would start a new field: collapse it instead.
  const name = event.replace(/[\r\n]+/g, ' ').trim();
  const payload = typeof data === 'string' ? data : (JSON.stringify(data) ?? '');
  const lines = payload.split(/\r\n|\r|\n/);
  const head = name ? `event: ${name}\n` : '';
  return `${head}${lines.map((l) => `data: ${l}`).join('\n')}\n\n`;
}

/** A comment line: ignored by every SSE parser, keeps proxies and load balancers from timing out. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** Sends the SSE response head right away so the client sees the stream open before the first event. */
export function openSse(res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  // no-transform: stops compressing proxies from buffering the stream.
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  // nginx buffers proxied responses unless told not to.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
}

/** Writes a chunk unless the client is already gone. Returns whether it was written. */
export function writeSse(res: Response, chunk: string): boolean {
  if (res.writableEnded || res.destroyed) return false;
  res.write(chunk);
  return true;
}
