import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { layout, readCurrentVersion, readMeta } from '../retrieval/index-files.js';
import type { SpaceManifest } from '../retrieval/space-index.js';
import { scanKnowledge } from './scan.js';

export interface Freshness {
  status: 'missing' | 'stale' | 'fresh';
  /** Files added, changed or removed since the index was built (knowledge-relative paths). */
  changed: string[];
  reason?: string;
}

/** Does the current index reflect the knowledge dir? Cheap: size/mtime first, content hash on doubt. */
export async function checkFreshness(
  knowledgeDir: string,
  indexDir: string,
  maxFileBytes: number,
): Promise<Freshness> {
  const version = readCurrentVersion(indexDir);
  if (!version) return { status: 'missing', changed: [], reason: `no index in ${indexDir}` };
  const dir = layout.version(indexDir, version);
  const meta = readMeta(dir);
  if (path.resolve(meta.knowledgeDir) !== path.resolve(knowledgeDir)) {
    return { status: 'stale', changed: [], reason: `the index was built from ${meta.knowledgeDir}` };
  }
  const indexed = new Map<string, { hash: string; size: number; mtimeMs: number }>();
  const failed = new Map<string, { size: number; mtimeMs: number }>();
  for (const space of Object.keys(meta.spaces)) {
    const m = JSON.parse(
      fs.readFileSync(path.join(layout.space(dir, space), 'manifest.json'), 'utf8'),
    ) as SpaceManifest;
    for (const [source, f] of Object.entries(m.files)) indexed.set(source, f);
    for (const [source, f] of Object.entries(m.skipped ?? {})) failed.set(source, f);
  }
  const scan = await scanKnowledge(knowledgeDir, { maxFileBytes });
  const changed: string[] = [];
  for (const file of scan.files) {
    const prev = indexed.get(file.source);
    indexed.delete(file.source);
    const bad = failed.get(file.source);
    if (!prev && bad && bad.size === file.size && bad.mtimeMs === file.mtimeMs) continue;
    if (!prev) {
      changed.push(file.source);
    } else if (prev.size !== file.size || prev.mtimeMs !== file.mtimeMs) {
      const hash = createHash('sha256').update(fs.readFileSync(file.abs)).digest('hex');
      if (hash !== prev.hash) changed.push(file.source);
    }
  }
  changed.push(...indexed.keys());
  return changed.length
    ? { status: 'stale', changed, reason: `${changed.length} file(s) changed since the last ingest` }
    : { status: 'fresh', changed: [] };
}
