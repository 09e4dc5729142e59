import type { Request, RequestHandler } from 'express';
import { rateLimitedMessage } from '../copilot/rate-limit.js';
import type { RateLimiter } from '../domain/rate-limit.js';
import type { ErrorBody } from './error-handler.js';
import { requestId } from './request-context.js';

export interface HttpRateLimit {
  limiter: RateLimiter;
  /** Who is asking. Default: the client address (see clientAddressKey). */
  keyOf?: (req: Request) => string;
}

/**
 * Web users are anonymous and choose their own conversation ids, so the only key they cannot
 * change at will is their address. `req.ip` is the socket address unless TRUST_PROXY is set,
 * in which case express takes it from X-Forwarded-For past the trusted hops, so a client cannot
 * spoof its way into a fresh bucket.
 */
export function clientAddressKey(req: Request): string {
  return `web:ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

/**
 * Refuses with 429, `Retry-After` and a polite JSON message before any work is done (before the
 * body is validated and before an SSE stream opens, so the client gets a plain status).
 */
export function rateLimit(opts: HttpRateLimit): RequestHandler {
  const keyOf = opts.keyOf ?? clientAddressKey;
  return async (req, res, next) => {
    const decision = await opts.limiter.take(keyOf(req));
    if (decision.allowed) {
      next();
      return;
    }
    const body: ErrorBody = {
      error: {
        code: 'rate:limited',
        message: rateLimitedMessage(decision.retryAfterSeconds),
        requestId: requestId(res),
      },
    };
    res.setHeader('Retry-After', String(decision.retryAfterSeconds));
    res.status(429).json(body);
  };
}
