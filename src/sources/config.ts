import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { cronExpression } from '../config.js';
import { CopilotError } from '../errors.js';

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const name = z
  .string()
  .regex(NAME, 'letters, digits, "-" and "_" (up to 64, starting with a letter or digit)');
const cron = cronExpression('"0 */6 * * *" or "*/30 * * * * *"');
const httpUrl = z.url({ protocol: /^https?$/ });

const common = {
  name,
  space: name,
  schedule: cron.optional(),
  /** Front matter copied onto every synced file (freshness keys such as valid_until). */
  valid_from: z.string().optional(),
  valid_until: z.string().optional(),
};

export const websiteSourceSchema = z
  .object({
    ...common,
    type: z.literal('website'),
    sitemap: httpUrl.optional(),
    start_urls: z.array(httpUrl).min(1).optional(),
    /** Only URLs under this prefix are fetched; default: the sitemap's origin, or the first start URL's folder. */
    allowed_prefix: httpUrl.optional(),
    max_pages: z.number().int().positive().max(100_000).default(500),
    max_page_bytes: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 * 1024),
    timeout_ms: z.number().int().positive().max(300_000).default(15_000),
    user_agent: z.string().default('merchant-copilot-sync'),
  })
  .strict()
  .refine((s) => s.sitemap !== undefined || s.start_urls !== undefined, {
    message: 'a website source needs "sitemap" or "start_urls"',
  });

export const notionSourceSchema = z
  .object({
    ...common,
    type: z.literal('notion'),
    max_pages: z.number().int().positive().max(100_000).default(1000),
    timeout_ms: z.number().int().positive().max(300_000).default(30_000),
  })
  .strict();

export const sourceSchema = z.discriminatedUnion('type', [websiteSourceSchema, notionSourceSchema]);
export const sourcesFileSchema = z
  .object({ sources: z.array(sourceSchema) })
  .strict()
  .refine((f) => new Set(f.sources.map((s) => s.name)).size === f.sources.length, {
    message: 'source names must be unique',
  });

export type WebsiteSource = z.infer<typeof websiteSourceSchema>;
export type NotionSource = z.infer<typeof notionSourceSchema>;
export type SourceDef = z.infer<typeof sourceSchema>;

export const SOURCES_FILE = 'sources.json';

/** Parse sources.json text; throws a CopilotError naming the bad field. */
export function parseSources(text: string, file = SOURCES_FILE): SourceDef[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CopilotError('sources:invalid', `${file} is not valid JSON: ${(err as Error).message}`, {
      hint: 'Fix the JSON syntax (see the README, "Sources").',
    });
  }
  const parsed = sourcesFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`)
      .join('; ');
    throw new CopilotError('sources:invalid', `${file} is invalid: ${issues}`, {
      hint: 'See the README, "Sources", for the format.',
    });
  }
  return parsed.data.sources;
}

/** The sources declared in `<knowledgeDir>/sources.json`; [] when there is no such file. */
export async function loadSources(knowledgeDir: string): Promise<SourceDef[]> {
  const file = path.join(knowledgeDir, SOURCES_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseSources(text, file);
}
