import type { ErrorRequestHandler, RequestHandler } from 'express';
import { CopilotError } from '../errors.js';
import type { Logger } from '../logger.js';
import { requestId, requestLogger } from './request-context.js';

// Large enough that an over-long message (e.g. 100 KB) reaches validation and gets a 400 naming
// the field; anything bigger is refused by the parser with 413.
export const JSON_BODY_LIMIT = '256kb';

export interface ErrorBody {
  error: { code: string; message: string; hint?: string; requestId?: string };
}

interface Described {
  status: number;
  code: string;
  message: string;
  hint?: string;
}

/** body-parser (behind express.json) throws http-errors tagged with a `type`. */
function bodyParserType(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  return typeof err.type === 'string' ? err.type : undefined;
}

/** Maps anything thrown to a status and a user-safe message. Causes and stacks stay in the logs. */
export function describeError(err: unknown): Described {
  if (err instanceof CopilotError) {
    return {
      status: err.status,
      code: err.code,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
    };
  }
  switch (bodyParserType(err)) {
    case 'entity.parse.failed':
      // The parser's own message quotes the body; do not echo it back.
      return {
        status: 400,
        code: 'http:bad_json',
        message: 'Request body is not valid JSON. Send a JSON object, e.g. {"message": "…"}.',
      };
    case 'entity.too.large':
      return {
        status: 413,
        code: 'http:too_large',
        message: `Request body is too large (limit ${JSON_BODY_LIMIT}). A message can be at most 4,000 characters.`,
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'http:unsupported_encoding', message: 'Send the body as UTF-8 JSON.' };
    case undefined:
      break;
    default:
      return { status: 400, code: 'http:bad_request', message: 'The request body could not be read.' };
  }
  // Other client errors raised by express itself, e.g. a URL whose %-escapes do not decode
  // (router sets status 400). Their messages may quote the request, so only the status is kept.
  const status = clientErrorStatus(err);
  if (status) return { status, code: 'http:bad_request', message: 'The request could not be read.' };
  return { status: 500, code: 'http:internal', message: 'Something went wrong on our side.' };
}

function clientErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const s = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : undefined;
  return s !== undefined && s >= 400 && s < 500 ? s : undefined;
}

export function notFound(): RequestHandler {
  return (req, res) => {
    const body: ErrorBody = {
      error: {
        code: 'http:not_found',
        message: `Not found: ${req.method} ${req.path}`,
        requestId: requestId(res),
      },
    };
    res.status(404).json(body);
  };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const d = describeError(err);
    const log = requestLogger(res, logger);
    if (d.status >= 500) log.error({ err, code: d.code }, 'request error');
    else log.debug({ code: d.code }, 'request rejected');
    // Mid-stream failures cannot change the status any more: cut the connection so the client
    // sees a failure instead of a truncated success (express's own fallback would print the stack).
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body: ErrorBody = {
      error: {
        code: d.code,
        message: d.message,
        ...(d.hint ? { hint: d.hint } : {}),
        requestId: requestId(res),
      },
    };
    res.status(d.status).json(body);
  };
}
