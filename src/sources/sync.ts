import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CopilotError, userMessage } from '../errors.js';
import { loadSpacePolicy, spaceFolder, spaceResolver } from '../retrieval/spaces.js';
import type { SourceDef } from './config.js';
import { syncNotion } from './notion.js';
import type { ConnectorContext, ConnectorResult, SourceState, SyncProgress, SyncStatus } from './types.js';
import { syncWebsite } from './website.js';

export interface SyncOptions {
  knowledgeDir: string;
  notion?: { token?: string; baseUrl?: string };
  onProgress?: (p: SyncProgress) => void;
  signal?: AbortSignal;
}

/**
 * Where a source's files go: `<space folder>/_sources/<name>/` (the space's first declared folder,
 * `<space>/` otherwise), its state in the hidden `.<name>.state.json` next to it. Throws when that
 * folder would not belong to the source's space (a space missing from spaces.json), so synced
 * pages never land in another space.
 */
export function sourcesDir(knowledgeDir: string, def: Pick<SourceDef, 'space' | 'name'>): string {
  const file = loadSpacePolicy(knowledgeDir).file;
  const folder = spaceFolder(file, def.space);
  const owner = spaceResolver(file)(`${folder}/_sources/${def.name}/page.md`);
  if (owner !== def.space)
    throw new CopilotError(
      'sources:space',
      `Source "${def.name}" syncs into space "${def.space}", but its folder ${folder}/ belongs to "${owner}".`,
      { hint: `Declare "${def.space}" in spaces.json (see the README, "Spaces").` },
    );
  return path.join(knowledgeDir, folder, '_sources');
}

export function stateFile(knowledgeDir: string, def: Pick<SourceDef, 'space' | 'name'>): string {
  return path.join(sourcesDir(knowledgeDir, def), `.${def.name}.state.json`);
}

export async function readState(
  knowledgeDir: string,
  def: Pick<SourceDef, 'space' | 'name'>,
): Promise<SourceState> {
  try {
    const parsed = JSON.parse(await readFile(stateFile(knowledgeDir, def), 'utf8')) as SourceState;
    return parsed && typeof parsed === 'object' && parsed.pages ? parsed : { pages: {} };
  } catch {
    return { pages: {} };
  }
}

async function writeState(knowledgeDir: string, def: SourceDef, state: SourceState): Promise<void> {
  const file = stateFile(knowledgeDir, def);
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, 'utf8');
  await rename(tmp, file);
}

/** Per-source serialisation inside this process (the scheduler and a manual run may meet). */
const running = new Map<string, Promise<SyncStatus>>();

/**
 * Sync one source: the connector writes into a hidden temp folder (invisible to the indexer),
 * which then replaces `<name>/` in two renames. A run that fails keeps the last good files and
 * reports the failure in the state file; it never throws.
 */
export function syncSource(def: SourceDef, opts: SyncOptions): Promise<SyncStatus> {
  const key = `${def.space}/${def.name}`;
  const current = running.get(key);
  if (current) return current;
  const run = doSync(def, opts).finally(() => running.delete(key));
  running.set(key, run);
  return run;
}

async function doSync(def: SourceDef, opts: SyncOptions): Promise<SyncStatus> {
  const started = Date.now();
  let base: string;
  try {
    base = sourcesDir(opts.knowledgeDir, def);
  } catch (err) {
    // Nowhere safe to write, so no state file either: the failure is returned (and logged, shown).
    return {
      source: def.name,
      type: def.type,
      space: def.space,
      at: new Date().toISOString(),
      ok: false,
      ms: Date.now() - started,
      pages: 0,
      changed: 0,
      unchanged: 0,
      removed: 0,
      skipped: [],
      errors: [{ message: userMessage(err) }],
    };
  }
  await mkdir(base, { recursive: true });
  const liveDir = path.join(base, def.name);
  const tag = randomBytes(4).toString('hex');
  const outDir = path.join(base, `.tmp-${def.name}-${tag}`);
  await mkdir(outDir);
  const prev = await readState(opts.knowledgeDir, def);
  const ctx: ConnectorContext = {
    prevDir: liveDir,
    outDir,
    prev,
    onProgress: (done, total, message) =>
      opts.onProgress?.({ source: def.name, done, total, ...(message ? { message } : {}) }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const status = (r: Partial<ConnectorResult>, ok: boolean, pages: number, removed: number): SyncStatus => ({
    source: def.name,
    type: def.type,
    space: def.space,
    at: new Date().toISOString(),
    ok,
    ms: Date.now() - started,
    pages,
    changed: r.changed ?? 0,
    unchanged: r.unchanged ?? 0,
    removed,
    skipped: r.skipped ?? [],
    errors: r.errors ?? [],
  });
  /** A failed run: the new folder is dropped, the last good files stay, and the failure is recorded. */
  const fail = async (r: Partial<ConnectorResult>): Promise<SyncStatus> => {
    await rm(outDir, { recursive: true, force: true });
    const failed = status(r, false, Object.keys(prev.pages).length, 0);
    await writeState(opts.knowledgeDir, def, {
      ...prev,
      last: failed,
      lastGood: prev.last?.ok ? prev.last : prev.lastGood,
    });
    return failed;
  };
  let result: ConnectorResult;
  try {
    result =
      def.type === 'website' ? await syncWebsite(def, ctx) : await syncNotion(def, ctx, opts.notion ?? {});
  } catch (err) {
    const message = err instanceof CopilotError ? userMessage(err) : (err as Error)?.message || String(err);
    return fail({ errors: [{ message }] });
  }
  const kept = Object.keys(result.pages).length;
  // Every page failed: that is an outage, not a site that emptied itself. Keep the last good copy.
  if (kept === 0 && result.errors.length > 0) {
    return fail({
      ...result,
      errors: [{ message: 'no page could be fetched; the last good copy is kept' }, ...result.errors],
    });
  }
  const removed = Object.keys(prev.pages).filter((k) => !(k in result.pages)).length;
  const old = path.join(base, `.old-${def.name}-${tag}`);
  await rename(liveDir, old).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rename(outDir, liveDir);
  await rm(old, { recursive: true, force: true });
  const ok = status(result, true, kept, removed);
  await writeState(opts.knowledgeDir, def, { pages: result.pages, last: ok });
  return ok;
}
