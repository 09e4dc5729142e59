import fs from 'node:fs';
import { createStores } from '../src/app/stores.js';
import { parseCli, runCli } from '../src/cli/run.js';
import { loadConfig } from '../src/config.js';
import { CopilotError } from '../src/errors.js';
import { DAY_MS } from '../src/insights/buckets.js';
import { type ExportFormat, type ExportKind, formatExportOf, periodRecords } from '../src/insights/export.js';
import { createLogger } from '../src/logger.js';

const USAGE = `
Usage: npm run export -- [--kind answers|conversations] [--from DATE] [--to DATE] [--space NAME]
                         [--format csv|jsonl] [--raw] [--out FILE]
  Exports answer records (question, answer, decision, feedback, tokens, cost, sources), or the
  conversations they belong to (one row per conversation with its turns), of a period from Redis
  (REDIS_URL). PII (emails, phones, card numbers) is scrubbed and user ids are left out
  unless --raw is given. Defaults: the last 7 days, all spaces, CSV, to stdout.
`;

function time(v: string | undefined, fallback: number, flag: string): number {
  if (!v) return fallback;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t))
    throw new CopilotError('cli:usage', `${flag} must be a date (2026-01-31) or epoch ms`);
  return t;
}

runCli(async () => {
  const { values } = parseCli(
    {
      from: { type: 'string' },
      to: { type: 'string' },
      space: { type: 'string' },
      format: { type: 'string' },
      kind: { type: 'string' },
      raw: { type: 'boolean' },
      out: { type: 'string' },
    },
    USAGE,
  );
  const format = (values.format ?? 'csv') as ExportFormat;
  if (format !== 'csv' && format !== 'jsonl') {
    throw new CopilotError('cli:usage', '--format must be csv or jsonl', { hint: USAGE });
  }
  const kind = (values.kind ?? 'answers') as ExportKind;
  if (kind !== 'answers' && kind !== 'conversations') {
    throw new CopilotError('cli:usage', '--kind must be answers or conversations', { hint: USAGE });
  }
  const now = Date.now();
  const from = time(values.from, now - 7 * DAY_MS, '--from');
  // A bare date as --to means "through that day".
  const to =
    values.to && /^\d{4}-\d{2}-\d{2}$/.test(values.to)
      ? time(values.to, now, '--to') + DAY_MS - 1
      : time(values.to, now, '--to');
  const config = loadConfig(process.env);
  if (!config.redisUrl) {
    throw new CopilotError('cli:no_redis', 'Answer records live in Redis: set REDIS_URL to export them.');
  }
  const stores = await createStores(config, createLogger({ level: 'warn' }));
  try {
    const records = await periodRecords(
      { insights: stores.insights, answers: stores.answers },
      { space: values.space ?? '*', from, to },
    );
    const text = formatExportOf(kind, records, format, Boolean(values.raw));
    if (values.out) fs.writeFileSync(values.out, text);
    else process.stdout.write(text);
    process.stderr.write(
      `exported ${records.length} answer records${values.raw ? ' (raw, not scrubbed)' : ''}\n`,
    );
  } finally {
    await stores.close();
  }
  return 0;
});
