import pino, { type DestinationStream, type Logger } from 'pino';
import { scrubValue } from './text/log-scrub.js';

export type { Logger };

/**
 * Secrets never reach logs: known secret-bearing keys are censored wherever they appear,
 * and free text fields are expected to be passed through `scrubForLog` by callers that log
 * user input (see src/handoff for the PII scrubber).
 */
export const REDACT_PATHS = [
  'apiKey',
  'token',
  'password',
  'authorization',
  '*.apiKey',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.adminToken',
  '*.password',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'headers.authorization',
];

export function createLogger(
  opts: { level?: string; destination?: 'stdout' | 'stderr' | DestinationStream; name?: string } = {},
): Logger {
  const dest =
    typeof opts.destination === 'object'
      ? opts.destination
      : pino.destination({ fd: opts.destination === 'stdout' ? 1 : 2, sync: true });
  return pino(
    {
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: opts.name ? { name: opts.name } : undefined,
      hooks: {
        // Every argument (objects, errors, the message) is scrubbed of PII and secrets.
        logMethod(args, method) {
          const clean = args.map((a) => scrubValue(a)) as Parameters<typeof method>;
          return method.apply(this, clean);
        },
      },
    },
    dest,
  );
}
