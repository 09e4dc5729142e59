import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';

// A caller-supplied id is echoed back only if it is short and plain: it ends up in logs and headers.
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// Probes hit these every few seconds; logging them at info would drown the useful lines.
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Gives every request an id (`X-Request-Id` in and out) and logs one line when it ends:
 * method, path (no query string), status, duration. Never bodies or headers: they hold user text
 * and tokens.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    const log = logger.child({ reqId: id });
    res.locals.requestId = id;
    res.locals.log = log;
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    let logged = false;
    const finish = () => {
      if (logged) return;
      logged = true;
      const path = req.originalUrl.split('?')[0] ?? '/';
      const line = {
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        // `close` without `finish`: the client went away before the response was complete.
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (res.statusCode >= 500) log.error(line, 'request failed');
      else if (QUIET_PATHS.has(path)) log.debug(line, 'request');
      else log.info(line, 'request');
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

export function requestId(res: Response): string {
  return typeof res.locals.requestId === 'string' ? res.locals.requestId : 'unknown';
}

export function requestLogger(res: Response, fallback: Logger): Logger {
  return (res.locals.log as Logger | undefined) ?? fallback;
}
