import fs from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Chunk } from '../domain/documents.js';
import { linkOrCopy, newSegmentName } from '../retrieval/index-names.js';
import { lexicalShardFile, lexicalShardOf, lexicalText } from '../retrieval/lexical.js';
import { LexicalShardWriter, type ShardWriter } from '../retrieval/lexical-writer.js';

/**
 * Writes the text side of one space of a new index version: the BM25 shards and the chunk
 * segments. It runs inline for small jobs and in a worker thread for large ones
 * (space-writer-thread.ts), where it overlaps with the HNSW insertion on the main thread.
 *
 * Records must arrive sorted by shard: when the first record of shard s arrives, every shard
 * below s is complete, so it is serialised and written at once (not all at the end) and dropped.
 */
export interface SpaceWriterSpec {
  spaceDir: string;
  /** The previous version of this space (patch and rebuild modes). */
  prevSpaceDir: string | null;
  shardCount: number;
  /**
   * build: every shard from the fresh records only (a new space or a full build).
   * patch: untouched shards are hard-linked, touched ones loaded, patched and rewritten; the
   *   previous segments are hard-linked and fresh records go to a new segment.
   * rebuild: every shard and one compacted segment from the previous segments' `keep` records
   *   plus the fresh ones (compaction, or a space that outgrew its shard count).
   */
  mode: 'build' | 'patch' | 'rebuild';
  /** Segments of the previous version (linked in patch mode, read in rebuild mode). */
  prevSegments: string[];
  /** patch: labels to drop from the lexical index, by shard. */
  deletes: Array<[shard: number, labels: number[]]>;
  /** patch: shards that receive fresh records. */
  freshShards: number[];
  /** rebuild: labels of the previous version that stay live. */
  keep: number[];
  /**
   * The job overlaps a long HNSW insertion (a build): its thread runs at low priority meanwhile,
   * taking only the CPU the insertion leaves free. A small incremental job is on the critical
   * path of its run and keeps normal priority.
   */
  background?: boolean;
  /** Test hook: fail like a crashing writer would. */
  fault?: 'throw' | 'exit';
}

export interface WriterRecord {
  label: number;
  shard: number;
  chunk: Chunk;
}

export interface SpaceWriterResult {
  /** The space's segment list for the new manifest. */
  segments: string[];
  /** Documents per lexical shard; -1 for a shard hard-linked unchanged. */
  shardSizes: number[];
}

export class SpaceWriter {
  private readonly shards: Array<ShardWriter | null>;
  private readonly sealed: boolean[];
  private readonly sizes: number[];
  private segment: { name: string; fd: number } | null = null;
  private lowestOpen = 0;

  constructor(private readonly spec: SpaceWriterSpec) {
    const n = spec.shardCount;
    this.shards = new Array<ShardWriter | null>(n).fill(null);
    this.sealed = new Array<boolean>(n).fill(false);
    this.sizes = new Array<number>(n).fill(0);
    fs.mkdirSync(spec.spaceDir, { recursive: true });
    if (spec.mode === 'patch') this.openPatch();
    else if (spec.mode === 'rebuild') this.openRebuild();
  }

  get shardCount(): number {
    return this.spec.shardCount;
  }

  private prev(name: string): string {
    if (!this.spec.prevSpaceDir) throw new Error(`${this.spec.mode} mode needs the previous space`);
    return path.join(this.spec.prevSpaceDir, name);
  }

  private openPatch(): void {
    const { spec } = this;
    for (const seg of spec.prevSegments) linkOrCopy(this.prev(seg), path.join(spec.spaceDir, seg));
    const touched = new Set<number>(spec.freshShards);
    for (const [shard] of spec.deletes) touched.add(shard);
    for (let i = 0; i < spec.shardCount; i++) {
      if (touched.has(i)) continue;
      linkOrCopy(this.prev(lexicalShardFile(i)), path.join(spec.spaceDir, lexicalShardFile(i)));
      this.sealed[i] = true;
      this.sizes[i] = -1;
    }
    const deletes = new Map(spec.deletes);
    for (const i of touched) {
      const patch = LexicalShardWriter.fromJSON(fs.readFileSync(this.prev(lexicalShardFile(i)), 'utf8'));
      patch.remove(deletes.get(i) ?? []);
      this.shards[i] = patch;
    }
  }

  private openRebuild(): void {
    const keep = new Set(this.spec.keep);
    const batch: WriterRecord[] = [];
    for (const seg of this.spec.prevSegments) {
      const text = fs.readFileSync(this.prev(seg), 'utf8');
      for (const line of text.split('\n')) {
        if (!line) continue;
        const { label, ...chunk } = JSON.parse(line) as Chunk & { label: number };
        if (!keep.has(label)) continue;
        keep.delete(label); // a label is live in one record only
        batch.push({ label, shard: lexicalShardOf(chunk.source, this.spec.shardCount), chunk });
      }
    }
    this.index(batch.sort((a, b) => a.shard - b.shard));
    this.appendSegment(batch);
  }

  private shard(i: number): ShardWriter {
    let s = this.shards[i];
    if (!s) {
      s = new LexicalShardWriter();
      this.shards[i] = s;
    }
    return s;
  }

  /**
   * Add to the lexical shards, grouped into one addAll per shard. With `sealBelow` (records sorted
   * by shard across calls), every shard below a group's is complete and is written first.
   */
  private index(records: WriterRecord[], sealBelow = false): void {
    let start = 0;
    while (start < records.length) {
      const shard = (records[start] as WriterRecord).shard;
      let end = start + 1;
      while (end < records.length && (records[end] as WriterRecord).shard === shard) end++;
      if (sealBelow) for (; this.lowestOpen < shard; this.lowestOpen++) this.seal(this.lowestOpen);
      if (shard < 0 || shard >= this.spec.shardCount || this.sealed[shard]) {
        throw new Error(`record for lexical shard ${shard} arrived after it was written`);
      }
      this.shard(shard).add(
        records
          .slice(start, end)
          .map((r) => ({ label: r.label, title: r.chunk.title, text: lexicalText(r.chunk) })),
      );
      start = end;
    }
  }

  private appendSegment(records: WriterRecord[]): void {
    if (records.length === 0) return;
    if (!this.segment) {
      const name = newSegmentName();
      this.segment = { name, fd: fs.openSync(path.join(this.spec.spaceDir, name), 'w') };
    }
    let body = '';
    for (const r of records) body += `${JSON.stringify({ label: r.label, ...r.chunk })}\n`;
    fs.writeSync(this.segment.fd, body);
  }

  private seal(i: number): void {
    if (this.sealed[i]) return;
    const shard = this.shard(i);
    fs.writeFileSync(path.join(this.spec.spaceDir, lexicalShardFile(i)), shard.toJSON());
    this.sizes[i] = shard.size;
    this.sealed[i] = true;
    this.shards[i] = null;
  }

  /** Fresh records, sorted by shard across calls. */
  add(records: WriterRecord[]): void {
    if (this.spec.fault === 'throw') throw new Error('injected space writer fault');
    // A worker thread that dies (process.exit ends only that thread); inline, an error instead.
    if (this.spec.fault === 'exit' && !isMainThread) process.exit(70);
    if (this.spec.fault === 'exit') throw new Error('injected space writer crash');
    // Each shard is written (and dropped) as soon as records of a later one arrive.
    this.index(records, true);
    this.appendSegment(records);
  }

  finish(): SpaceWriterResult {
    for (let i = 0; i < this.spec.shardCount; i++) this.seal(i);
    const segments = this.spec.mode === 'patch' ? [...this.spec.prevSegments] : [];
    if (this.segment) {
      fs.closeSync(this.segment.fd);
      segments.push(this.segment.name);
    }
    this.segment = null;
    return { segments, shardSizes: this.sizes };
  }

  /** Release the open segment file after a failure (the temp version dir is removed anyway). */
  abort(): void {
    if (this.segment) fs.closeSync(this.segment.fd);
    this.segment = null;
  }
}
