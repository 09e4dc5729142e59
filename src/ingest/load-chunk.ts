import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Chunk } from '../domain/documents.js';
import { isCopilotError } from '../errors.js';
import { chunkDocument } from './chunker.js';
import { loadDocument } from './load.js';
import type { KnowledgeFile } from './scan.js';

/**
 * Read, hash, parse and chunk one changed file: the planning work of a run. It runs on the main
 * thread and, for runs with many files to read, also in the writer thread (loadFiles), both
 * taking files from one queue.
 */
export interface LoadRequest {
  file: KnowledgeFile;
  /** Content hash of the indexed version: a file with the same hash is not parsed again. */
  prevHash?: string;
}

export type LoadResult =
  | { kind: 'unreadable'; reason: string }
  | { kind: 'same'; hash: string }
  | { kind: 'failed'; hash: string; reason: string }
  | { kind: 'chunks'; hash: string; chunks: Chunk[] };

export async function loadAndChunk(
  req: LoadRequest,
  read: (abs: string) => Promise<Buffer> | Buffer,
): Promise<LoadResult> {
  let bytes: Buffer;
  try {
    bytes = await read(req.file.abs);
  } catch (err) {
    // The code only (EACCES, ENOENT): the message would put the file's absolute path in the skipped list.
    return { kind: 'unreadable', reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (hash === req.prevHash) return { kind: 'same', hash };
  try {
    const doc = await loadDocument(req.file, bytes);
    // Citations show the document's date: front matter `updated`/`date`, else the file's mtime now.
    if (!doc.meta['updated'] && !doc.meta['date'] && req.file.mtimeMs > 0) {
      doc.meta['file_mtime'] = new Date(req.file.mtimeMs).toISOString();
    }
    // A passage repeated verbatim in one file has one id: index it once.
    const ids = new Set<string>();
    const chunks = chunkDocument(doc).filter((c) => !ids.has(c.id) && ids.add(c.id));
    if (chunks.length === 0) throw new Error('no text to index');
    return { kind: 'chunks', hash, chunks };
  } catch (err) {
    const reason = isCopilotError(err) ? err.message : `could not be read: ${(err as Error).message}`;
    return { kind: 'failed', hash, reason };
  }
}

/** Files a helper thread takes from the queue at a time, and how many such batches it has in flight. */
const REMOTE_BATCH = 16;
const REMOTE_IN_FLIGHT = 2;

/**
 * Load `reqs` (results in the same order), on this thread and, given `remote`, in parallel on a
 * helper thread too. `onResult` is called as each file is done (progress).
 */
export async function loadFiles(
  reqs: LoadRequest[],
  onResult: () => void,
  remote?: (batch: LoadRequest[]) => Promise<LoadResult[]>,
): Promise<LoadResult[]> {
  const results = new Array<LoadResult>(reqs.length);
  let next = 0;
  let failed = false;
  const local = async () => {
    while (next < reqs.length && !failed) {
      const i = next++;
      results[i] = await loadAndChunk(reqs[i] as LoadRequest, (abs) => fs.readFileSync(abs));
      onResult();
    }
  };
  const helper = async () => {
    if (!remote) return;
    while (next < reqs.length) {
      const start = next;
      const batch = reqs.slice(start, start + REMOTE_BATCH);
      next += batch.length;
      let got: LoadResult[];
      try {
        got = await remote(batch);
      } catch (err) {
        failed = true; // stop the local loop too: the run is failing
        throw err;
      }
      got.forEach((r, j) => {
        results[start + j] = r;
        onResult();
      });
    }
  };
  await Promise.all([local(), ...Array.from({ length: REMOTE_IN_FLIGHT }, helper)]);
  return results;
}
