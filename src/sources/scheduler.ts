import { Cron } from 'croner';
import { CopilotError } from '../errors.js';
import type { JobLock } from '../ingest/job-lock.js';
import type { Reindexer } from '../ingest/reindex-types.js';
import type { Logger } from '../logger.js';
import { loadSources, type SourceDef } from './config.js';
import { readState, syncSource } from './sync.js';
import type { SyncProgress, SyncStatus } from './types.js';

export interface SourceRunner {
  /** The declared sources (reread from sources.json on every call). */
  list(): Promise<SourceDef[]>;
  /** Sync now (one source or all), then reindex when anything changed. */
  run(name?: string, onProgress?: (p: SyncProgress) => void): Promise<SyncStatus[]>;
  /** The last sync of each declared source (null before the first one), and the last good one if it failed. */
  lastSyncs(): Promise<{ source: SourceDef; last: SyncStatus | null; lastGood: SyncStatus | null }[]>;
  /**
   * What a scheduled tick runs: the sync under the source's lock, unless a sync finished after
   * `at` (another replica ran this tick while this one waited for the lock).
   */
  tick(name: string, at?: number): Promise<SyncStatus | null>;
  /** Start the cron schedules of sources that declare one. */
  start(): Promise<void>;
  stop(): void;
}

export interface SourceRunnerDeps {
  knowledgeDir: string;
  notion?: { token?: string; baseUrl?: string };
  /** One lock per source, shared across replicas (the reindex job lock with its own key). */
  lock: (source: string) => JobLock;
  reindexer?: Reindexer;
  logger: Logger;
}

export function createSourceRunner(deps: SourceRunnerDeps): SourceRunner {
  const crons: Cron[] = [];
  /** Runs that could not write a state file (e.g. an undeclared space) are still shown. */
  const unsaved = new Map<string, SyncStatus>();
  const log = deps.logger;

  /**
   * One run of one source under its lock. A replica that waited for the lock while another ran
   * the same tick finds a sync newer than its tick in the state file and does not repeat it.
   */
  async function runOne(def: SourceDef, tick: number | null, onProgress?: (p: SyncProgress) => void) {
    const release = await deps.lock(`${def.space}:${def.name}`).acquire();
    try {
      if (tick !== null) {
        const last = (await readState(deps.knowledgeDir, def)).last;
        if (last && Date.parse(last.at) >= tick) return last;
      }
      const status = await syncSource(def, {
        knowledgeDir: deps.knowledgeDir,
        ...(deps.notion ? { notion: deps.notion } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      if (!status.ok && status.pages === 0) unsaved.set(def.name, status);
      else unsaved.delete(def.name);
      const summary = {
        source: def.name,
        ok: status.ok,
        pages: status.pages,
        changed: status.changed,
        removed: status.removed,
        skipped: status.skipped.length,
        errors: status.errors.length,
        ms: status.ms,
      };
      if (status.ok) log.info(summary, 'source synced');
      else
        log.warn(
          { ...summary, error: status.errors[0]?.message },
          'source sync failed; last good files kept',
        );
      if (status.ok && (status.changed > 0 || status.removed > 0) && deps.reindexer) {
        const job = deps.reindexer.request('source_sync', def.name);
        await deps.reindexer.wait(job.id);
      }
      return status;
    } finally {
      await release().catch(() => {});
    }
  }

  return {
    list: () => loadSources(deps.knowledgeDir),
    async run(name, onProgress) {
      const all = await loadSources(deps.knowledgeDir);
      const chosen = name ? all.filter((s) => s.name === name) : all;
      if (name && chosen.length === 0) {
        throw new CopilotError('sources:unknown', `No source named "${name}" in sources.json.`, {
          hint: all.length
            ? `Declared: ${all.map((s) => s.name).join(', ')}.`
            : 'sources.json declares none.',
        });
      }
      const out: SyncStatus[] = [];
      for (const def of chosen) out.push(await runOne(def, null, onProgress));
      return out;
    },
    async tick(name, at = Date.now()) {
      const def = (await loadSources(deps.knowledgeDir)).find((s) => s.name === name);
      return def ? runOne(def, at) : null;
    },
    async lastSyncs() {
      const all = await loadSources(deps.knowledgeDir);
      return Promise.all(
        all.map(async (source) => {
          const st = await readState(deps.knowledgeDir, source);
          const mem = unsaved.get(source.name);
          const last = mem && (!st.last || mem.at > st.last.at) ? mem : (st.last ?? null);
          return { source, last, lastGood: st.lastGood ?? null };
        }),
      );
    },
    async start() {
      let all: SourceDef[];
      try {
        all = await loadSources(deps.knowledgeDir);
      } catch (err) {
        log.error({ err: (err as Error).message }, 'sources.json is invalid; no source is scheduled');
        return;
      }
      for (const def of all) {
        if (!def.schedule) continue;
        // protect: a run still going when the next tick comes is not started twice.
        const cron = new Cron(def.schedule, { protect: true, catch: true }, async () => {
          const tick = Date.now();
          try {
            await runOne(def, tick);
          } catch (err) {
            log.error({ source: def.name, err: (err as Error).message }, 'scheduled source sync failed');
          }
        });
        crons.push(cron);
      }
      if (crons.length) log.info({ sources: crons.length }, 'source schedules started');
    },
    stop() {
      for (const c of crons.splice(0)) c.stop();
    },
  };
}
