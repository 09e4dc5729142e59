import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import express, { type Router } from 'express';
import { CopilotError } from '../../errors.js';
import { loadDocument } from '../../ingest/load.js';
import { SPACE_NAME } from '../../ingest/scan.js';

/** The part of the index this route trusts: which files each space's manifest holds. */
export interface SourceCatalog {
  current(): { space(name: string): { manifest: { files: Record<string, unknown> } } | undefined };
}

export interface SourcesDeps {
  index: SourceCatalog;
  knowledgeDir: string;
  isPublic(space: string): boolean;
  maxFileBytes: number;
}

/** Served byte for byte as plain text; PDF and HTML are shown as the text we extracted from them. */
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
    const file = await resolveInside(deps.knowledgeDir, source);
    if (!file) throw notFound();
    const st = await stat(file).catch(() => null);
    if (!st?.isFile() || st.size > deps.maxFileBytes) throw notFound();
    const ext = path.extname(source).toLowerCase();
    const bytes = await readFile(file);
    const body = RAW_TEXT.has(ext) ? bytes : await extractedText(file, source, space, ext, bytes);
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

async function extractedText(
  abs: string,
  source: string,
  space: string,
  ext: string,
  bytes: Uint8Array,
): Promise<string> {
  try {
    const doc = await loadDocument({ abs, source, space, ext, size: bytes.length, mtimeMs: 0 }, bytes);
    return doc.sections.map((s) => (s.page ? `— page ${s.page} —\n${s.text}` : s.text)).join('\n\n');
  } catch (cause) {
    throw new CopilotError('source:unreadable', 'This source could not be shown as text.', {
      status: 404,
      cause,
    });
  }
}
