import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import express, { type Router } from 'express';
import { CopilotError } from '../../errors.js';
import { SPACE_NAME } from '../../ingest/scan.js';

/** What the index holds of one file: its chunk labels, in document order. */
interface CatalogFile {
  chunks?: ReadonlyArray<{ label: number }>;
}

/** The part of the index this route trusts: which files each space's manifest holds, and their text. */
export interface SourceCatalog {
  current(): {
    space(name: string):
      | {
          manifest: { files: Record<string, CatalogFile> };
          chunks?: ReadonlyMap<number, { text: string; page?: number; ordinal: number }>;
        }
      | undefined;
  };
}

export interface SourcesDeps {
  index: SourceCatalog;
  knowledgeDir: string;
  isPublic(space: string): boolean;
  maxFileBytes: number;
}

/**
 * Served byte for byte as plain text. PDF, HTML and the other formats are shown as the text the
 * index holds for them (its chunks), so a request never parses a document: a public link to a
 * large PDF costs a lookup, not a PDF parse.
 */
const RAW_TEXT = new Set(['.md', '.markdown', '.txt', '.csv', '.jsonl']);
const MAX_SOURCE_CHARS = 1024;
// Slashes, backslashes and control characters (NUL included) have no place in one path segment.
const BAD_SEGMENT = /[/\\\u0000-\u001f\u007f]/;

const notFound = () =>
  new CopilotError('source:not_found', 'No such source document.', {
    status: 404,
    hint: 'Use a link from an answer’s sources.',
  });

/**
 * GET /api/sources/:space/<source path> — the knowledge document behind a web answer's source
 * link. `<source path>` is the source as shown in the answer (relative to the knowledge folder,
 * e.g. `apparel/returns.md`). Defence in depth, each enough on its own to stop traversal:
 *  1. the space must be public (private spaces are unknown to the web: 404, not 403);
 *  2. path segments may not be empty, `.`/`..`, or hold slashes, backslashes or control chars
 *     (express decodes each segment, so `%2e%2e%2f` arrives here as "../" and is refused);
 *  3. the path must be a file of that space in the index being served (the manifest), so only
 *     what the copilot could cite is reachable;
 *  4. the resolved path, and its realpath (symlinks followed), must stay inside the knowledge dir.
 */
export function sourcesRouter(deps: SourcesDeps): Router {
  const router = express.Router();
  router.get('/:space/*path', async (req, res) => {
    const space = String(req.params.space ?? '');
    const raw: unknown = (req.params as Record<string, unknown>).path;
    const segments = Array.isArray(raw) ? raw.map(String) : [];
    if (!SPACE_NAME.test(space) || !deps.isPublic(space)) throw notFound();
    const files = deps.index.current().space(space)?.manifest.files;
    if (!files) throw notFound();
    const source = segments.join('/');
    if (
      segments.length === 0 ||
      source.length > MAX_SOURCE_CHARS ||
      segments.some((s) => s === '' || s === '.' || s === '..' || BAD_SEGMENT.test(s))
    ) {
      throw new CopilotError('source:bad_path', 'That is not a valid source path.', { status: 400 });
    }
    if (!Object.hasOwn(files, source)) throw notFound();
    const ext = path.extname(source).toLowerCase();
    let body: string | Buffer;
    if (RAW_TEXT.has(ext)) {
      const file = await resolveInside(deps.knowledgeDir, source);
      if (!file) throw notFound();
      const st = await stat(file).catch(() => null);
      if (!st?.isFile() || st.size > deps.maxFileBytes) throw notFound();
      body = await readFile(file);
    } else {
      body = indexedText(files[source], deps.index.current().space(space)?.chunks);
    }
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `inline; filename*=UTF-8''${encodeURIComponent(path.basename(source))}`,
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Even if a browser rendered it, the document could run nothing and load nothing.
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.send(body);
  });
  return router;
}

/** The real path of `source` under `root`, or null when it (or a symlink on the way) leaves it. */
export async function resolveInside(root: string, source: string): Promise<string | null> {
  const base = path.resolve(root);
  const abs = path.resolve(base, source);
  if (!abs.startsWith(base + path.sep)) return null;
  try {
    const [realBase, real] = await Promise.all([realpath(base), realpath(abs)]);
    return real.startsWith(realBase + path.sep) ? real : null;
  } catch {
    return null;
  }
}

/** Longest suffix of `a` that is a prefix of `b` (the overlap a chunk repeats), up to `max` chars. */
function overlapLength(a: string, b: string, max = 4000): number {
  const limit = Math.min(a.length, b.length, max);
  for (let n = limit; n > 0; n--) {
    if (a.charCodeAt(a.length - n) === b.charCodeAt(0) && a.endsWith(b.slice(0, n))) return n;
  }
  return 0;
}

/**
 * The text the index holds for one file: its chunks in document order, the overlap each chunk
 * repeats from the previous one removed, a "— page n —" line where a PDF page starts.
 */
export function indexedText(
  file: CatalogFile | undefined,
  chunks: ReadonlyMap<number, { text: string; page?: number; ordinal: number }> | undefined,
): string {
  const parts = (file?.chunks ?? [])
    .map((c) => chunks?.get(c.label))
    .filter((c): c is NonNullable<typeof c> => c !== undefined)
    .sort((a, b) => a.ordinal - b.ordinal);
  if (!parts.length) {
    throw new CopilotError('source:unreadable', 'This source could not be shown as text.', { status: 404 });
  }
  let out = '';
  let prev: { text: string; page?: number } | null = null;
  for (const c of parts) {
    const newPage = c.page !== undefined && c.page !== prev?.page;
    if (newPage) out += `${out ? '\n\n' : ''}— page ${c.page} —\n${c.text}`;
    else if (!prev) out += c.text;
    else {
      const skip = overlapLength(prev.text, c.text);
      out += skip > 0 ? c.text.slice(skip) : `\n\n${c.text}`;
    }
    prev = c;
  }
  return out;
}
