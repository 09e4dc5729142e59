import type { IngestPhase, ReindexProgress } from '../types.js';

const PHASES: Record<IngestPhase, string> = {
  scan: 'looking for changed files',
  load: 'reading documents',
  embed: 'embedding',
  index: 'indexing',
  write: 'writing the new index',
  done: 'finishing',
};

/** `▰▰▰▱▱▱▱▱▱▱ 30%`: a bar reads at a glance in a message that keeps changing. */
export function progressBar(percent: number, cells = 10): string {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  const full = Math.round((p / 100) * cells);
  return `${'▰'.repeat(full)}${'▱'.repeat(cells - full)} ${p}%`;
}

/**
 * The live line of a reindex asked for from Slack. A request that arrived while another run was
 * going says it joined the follow-up run (requests coalesce), with that run's progress.
 */
export function formatReindexProgress(p: ReindexProgress): string {
  const where = (percent: number, phase: IngestPhase) =>
    `${progressBar(percent)} · ${PHASES[phase] ?? phase}`;
  if (p.state === 'queued') {
    const current = p.current ? ` Current run: ${where(p.current.percent, p.current.phase)}` : '';
    return `⏳ A reindex is already running, so your request joined the next run, which starts as soon as it ends.${current}`;
  }
  return `🔄 Reindexing the knowledge base… ${where(p.percent, p.phase)}`;
}
