import { createHash, hash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { CopilotError } from '../../errors.js';
import type { Embedder } from '../types.js';

/**
 * Persistent embedding cache (an unchanged chunk is never embedded again).
 *
 * One append-only file per embedder id: records of [32-byte sha256(id \0 text)][dims × float32 LE].
 * Appending never rewrites what is there, so a crash can at worst leave a truncated last record,
 * which the loader ignores. Entries embedded since the last flush() live only in memory until the
 * caller flushes (the indexer does so after each batch and at the end of a run).
 *
 * Vectors are stored as float32, so every vector this returns (fresh or cached) is float32-rounded:
 * the same text always yields bit-identical numbers, before and after a restart.
 *
 * Stats: a "miss" is a text sent to the inner embedder; everything else (including repeats within
 * one call) is a "hit". Queries are never cached: they are rarely repeated verbatim and are cheap.
 */
export interface CachedEmbedder extends Embedder {
  stats(): { hits: number; misses: number };
  flush(): Promise<void>;
}

const KEY_BYTES = 32;
const LITTLE_ENDIAN = endianness() === 'LE';

/** File for an embedder id: readable prefix plus a hash, so ids that sanitise alike never collide. */
export function cacheFileName(embedderId: string): string {
  const readable = embedderId.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 80);
  const digest = createHash('sha256').update(embedderId).digest('hex').slice(0, 12);
  return `${readable}-${digest}.emb`;
}

function cacheKey(embedderId: string, text: string): string {
  // 'binary' is Node's alias of latin1: one char per byte, the cheapest string form of 32 bytes.
  // One-shot crypto.hash: half the cost of a Hash object per text (a build keys 100,000 texts).
  return hash('sha256', `${embedderId}\0${text}`, 'binary');
}

/** Parse a whole cache file at once; vectors are views into the one buffer (no per-record copies). */
function parseRecords(buf: Buffer, dims: number, into: Map<string, Float32Array>): void {
  const recordBytes = KEY_BYTES + dims * 4;
  const count = Math.floor(buf.length / recordBytes); // a partial trailing record is ignored
  // Float32Array views need 4-byte alignment and host byte order; otherwise copy once.
  const aligned = LITTLE_ENDIAN && buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
  for (let r = 0; r < count; r++) {
    const off = r * recordBytes;
    const key = aligned.toString('latin1', off, off + KEY_BYTES);
    if (LITTLE_ENDIAN) {
      into.set(key, new Float32Array(aligned.buffer, aligned.byteOffset + off + KEY_BYTES, dims));
    } else {
      const vec = new Float32Array(dims);
      for (let d = 0; d < dims; d++) vec[d] = aligned.readFloatLE(off + KEY_BYTES + d * 4);
      into.set(key, vec);
    }
  }
}

function encodeRecords(entries: ReadonlyArray<readonly [string, Float32Array]>, dims: number): Buffer {
  const recordBytes = KEY_BYTES + dims * 4;
  // Its own (4-byte aligned) memory, so vectors are copied through one Float32Array view: a
  // Buffer.copy per record cost ~7 µs of call overhead each, 0.7 s for a 100,000-chunk build.
  const out = Buffer.allocUnsafeSlow(entries.length * recordBytes);
  const floats = LITTLE_ENDIAN ? new Float32Array(out.buffer, out.byteOffset, out.length / 4) : null;
  entries.forEach(([key, vec], r) => {
    const off = r * recordBytes;
    out.write(key, off, KEY_BYTES, 'latin1');
    if (floats) floats.set(vec, (off + KEY_BYTES) / 4);
    else for (let d = 0; d < dims; d++) out.writeFloatLE(vec[d]!, off + KEY_BYTES + d * 4);
  });
  return out;
}

/** Float32Array → number[] with a plain loop (Array.from iterates, ~10x slower at 100k vectors). */
function toArray(vec: Float32Array): number[] {
  const out = new Array<number>(vec.length);
  for (let i = 0; i < vec.length; i++) out[i] = vec[i]!;
  return out;
}

/**
 * New vectors are views into shared blocks of SLAB_VECTORS vectors, as loaded ones are views into
 * the file's buffer: a build that embeds 300,000 chunks would otherwise leave 300,000 separate
 * ArrayBuffers behind, which every later garbage collection of the process has to walk.
 */
const SLAB_VECTORS = 4096;

function vectorSlab(dims: number): { take(): Float32Array } {
  let block = new Float32Array(0);
  let used = 0;
  return {
    take() {
      if (used + dims > block.length) {
        block = new Float32Array(SLAB_VECTORS * dims);
        used = 0;
      }
      const v = block.subarray(used, used + dims);
      used += dims;
      return v;
    },
  };
}

export async function withEmbeddingCache(inner: Embedder, cacheDir: string): Promise<CachedEmbedder> {
  const dims = inner.dimensions;
  const file = path.join(cacheDir, cacheFileName(inner.id));
  await mkdir(cacheDir, { recursive: true });
  const entries = new Map<string, Float32Array>();
  try {
    parseRecords(await readFile(file), dims, entries);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }

  const slab = vectorSlab(dims);
  let pending: Array<readonly [string, Float32Array]> = [];
  let hits = 0;
  let misses = 0;
  let flushing: Promise<void> = Promise.resolve();

  async function appendPending(): Promise<void> {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      await appendFile(file, encodeRecords(batch, dims));
    } catch (err) {
      pending = batch.concat(pending); // keep them for the next flush
      throw err;
    }
  }

  return {
    id: inner.id,
    dimensions: dims,
    async embedDocuments(texts) {
      const keys = texts.map((t) => cacheKey(inner.id, t));
      const missing = new Map<string, string>(); // key → text, deduplicated, first-seen order
      const fresh = new Map<string, number[]>();
      keys.forEach((key, i) => {
        if (!entries.has(key) && !missing.has(key)) missing.set(key, texts[i]!);
      });
      if (missing.size > 0) {
        const vectors = await inner.embedDocuments([...missing.values()]);
        let i = 0;
        for (const key of missing.keys()) {
          const vec = vectors[i++];
          if (!vec || vec.length !== dims) {
            throw new CopilotError(
              'embed:dimension_mismatch',
              `The embedder ${inner.id} returned a vector of ${vec?.length ?? 0} dimensions, expected ${dims}.`,
              { hint: 'Check EMBEDDING_MODEL / EMBEDDING_DIMENSIONS, then reindex.' },
            );
          }
          const stored = slab.take();
          for (let d = 0; d < dims; d++) {
            stored[d] = vec[d] as number;
            vec[d] = stored[d] as number; // float32-rounded, as a cached vector will be
          }
          entries.set(key, stored);
          pending.push([key, stored]);
          fresh.set(key, vec);
        }
      }
      misses += missing.size;
      hits += texts.length - missing.size;
      // A vector just embedded is returned as it is (rounded in place); a second occurrence in
      // the same call, or a cached one, gets its own array.
      return keys.map((key) => {
        const vec = fresh.get(key);
        if (vec) {
          fresh.delete(key);
          return vec;
        }
        return toArray(entries.get(key)!);
      });
    },
    warm: () => inner.warm?.(),
    embedQuery: (text) => inner.embedQuery(text),
    stats: () => ({ hits, misses }),
    flush() {
      // Serialise flushes so two concurrent callers never interleave their appends.
      flushing = flushing.catch(() => undefined).then(appendPending);
      return flushing;
    },
  };
}
