import pino, { type Logger } from 'pino';

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
  opts: { level?: string; destination?: 'stdout' | 'stderr'; name?: string } = {},
): Logger {
  const dest = pino.destination({ fd: opts.destination === 'stdout' ? 1 : 2, sync: true });
  return pino(
    {
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: opts.name ? { name: opts.name } : undefined,
    },
    dest,
  );
}
