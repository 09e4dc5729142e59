import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * Bearer-token guard for admin and console endpoints. Off (404) when no token is configured, so a
 * default install exposes nothing. Compared in constant time over fixed-length digests.
 */
export function requireAdminToken(token: string | undefined): RequestHandler {
  const expected = token ? createHash('sha256').update(token).digest() : null;
  return (req, res, next) => {
    if (!expected) {
      res.status(404).json({
        error: { code: 'admin:off', message: 'Admin endpoints are off. Set ADMIN_TOKEN to enable them.' },
      });
      return;
    }
    const header = req.get('authorization') ?? '';
    const given = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
    const digest = createHash('sha256').update(given).digest();
    if (!given || !timingSafeEqual(digest, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      res
        .status(401)
        .json({ error: { code: 'admin:unauthorized', message: 'A valid bearer token is required.' } });
      return;
    }
    next();
  };
}
