import { type Dirent, type Stats, statSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { SkippedFile } from '../domain/documents.js';
import { CopilotError } from '../errors.js';

export interface KnowledgeFile {
  /** Absolute path as found under the knowledge dir (symlinks not resolved). */
  abs: string;
  /** Path relative to the knowledge dir, forward slashes. */
  source: string;
  space: string;
  /** Lower-case extension with the dot, e.g. ".md". */
  ext: string;
  size: number;
  mtimeMs: number;
}

export interface ScanOptions {
  maxFileBytes: number;
  maxDepth?: number;
  /** The space of a file from its knowledge-relative path (spaces.json); default: all `default`. */
  spaceOf?: (source: string) => string;
}

export const SUPPORTED_EXTENSIONS = new Set([
  '.md',
  '.markdown',
  '.txt',
  '.pdf',
  '.html',
  '.htm',
  '.csv',
  '.jsonl',
  '.docx',
  '.xlsx',
]);
/** Top-level entries of KNOWLEDGE_DIR that are configuration, not knowledge. */
const CONFIG_ENTRIES = new Set(['spaces.json', 'safety']);

export const SPACE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

interface Walk {
  rootReal: string;
  spaceOf: (source: string) => string;
  maxDepth: number;
  maxFileBytes: number;
  files: KnowledgeFile[];
  skipped: SkippedFile[];
}

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KB`;
  return `${n} bytes`;
}

/** Walk the knowledge dir: every supported file with its space, and every skipped entry with why. */
export async function scanKnowledge(
  knowledgeDir: string,
  opts: ScanOptions,
): Promise<{ files: KnowledgeFile[]; skipped: SkippedFile[] }> {
  const root = path.resolve(knowledgeDir);
  let rootReal: string;
  try {
    rootReal = await realpath(root);
    if (!(await stat(rootReal)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new CopilotError('ingest:no_knowledge_dir', `Knowledge folder not found: ${root}`, {
      cause: err,
      hint: 'Create it or set KNOWLEDGE_DIR.',
    });
  }
  const w: Walk = {
    rootReal,
    spaceOf: opts.spaceOf ?? (() => 'default'),
    maxDepth: opts.maxDepth ?? 16,
    maxFileBytes: opts.maxFileBytes,
    files: [],
    skipped: [],
  };
  await walkDir(w, root, [], [rootReal]);
  const bySource = (a: { source?: string; path?: string }, b: { source?: string; path?: string }) => {
    const x = a.source ?? a.path ?? '';
    const y = b.source ?? b.path ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  };
  w.files.sort(bySource);
  w.skipped.sort(bySource);
  return { files: w.files, skipped: w.skipped };
}

/** `ancestors` are the realpaths of the folders above (and including) dir: a link back to one is a loop. */
async function walkDir(w: Walk, dir: string, rel: string[], ancestors: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    w.skipped.push({ path: rel.join('/') || '.', reason: `cannot read folder (${errCode(err)})` });
    return;
  }
  // Hidden entries (.git, .DS_Store, editor swap files) are never knowledge; spaces.json and the
  // safety lists (safety/) are configuration: indexing them would make the copilot quote them.
  const visible = entries.filter(
    (e) => !e.name.startsWith('.') && !(rel.length === 0 && CONFIG_ENTRIES.has(e.name)),
  );
  let sinceYield = 0;
  for (const entry of visible) {
    await visit(w, path.join(dir, entry.name), [...rel, entry.name], entry, ancestors);
    // Plain files are stat'ed synchronously (see visit): yield now and then, so a scan of a
    // large knowledge base never holds the event loop for long.
    if (++sinceYield >= SYNC_SLICE) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
}

const SYNC_SLICE = 256;

async function visit(w: Walk, abs: string, rel: string[], entry: Dirent, ancestors: string[]): Promise<void> {
  const relPath = rel.join('/');
  const skip = (reason: string) => {
    w.skipped.push({ path: relPath, reason });
  };
  // A plain file (most entries) is stat'ed synchronously: a few microseconds, where a thread-pool
  // round trip per call made the scan of a large knowledge base take most of a second.
  const plainFile = entry.isFile();
  let st: Stats;
  let real = abs;
  try {
    if (entry.isSymbolicLink()) {
      real = await realpath(abs);
      if (real !== w.rootReal && !real.startsWith(w.rootReal + path.sep)) {
        return skip('symbolic link points outside the knowledge folder');
      }
    }
    st = plainFile ? statSync(real) : await stat(real);
  } catch (err) {
    const code = errCode(err);
    return skip(code === 'ENOENT' ? 'broken symbolic link' : `cannot read (${code})`);
  }

  if (st.isDirectory()) {
    if (rel.length > w.maxDepth)
      return skip(`folder nested deeper than ${w.maxDepth} levels; folder skipped`);
    // Real paths, so a link back to any folder above this one is seen as the loop it is.
    if (!entry.isSymbolicLink()) real = await realpath(abs).catch(() => abs);
    if (ancestors.includes(real)) return skip('symbolic link loop (links back to a folder above it)');
    return walkDir(w, abs, rel, [...ancestors, real]);
  }
  if (!st.isFile()) return skip('not a regular file');

  const ext = path.extname(entry.name).toLowerCase();
  if (!SUPPORTED_EXTENSIONS.has(ext)) {
    return skip(ext ? `unsupported file type "${ext}"` : 'unsupported file type (no extension)');
  }
  if (st.size > w.maxFileBytes) {
    return skip(
      `file is ${formatBytes(st.size)}, over the ${formatBytes(w.maxFileBytes)} limit (MAX_FILE_BYTES)`,
    );
  }
  // Readability is not checked here (an access() per file was a third of a large scan): a file
  // is read only when its size or mtime changed, and one that cannot be read is then skipped
  // with the reason (load-chunk.ts).
  w.files.push({
    abs,
    source: relPath,
    space: w.spaceOf(relPath),
    ext,
    size: st.size,
    mtimeMs: st.mtimeMs,
  });
}
