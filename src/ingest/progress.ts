import cliProgress from 'cli-progress';
import type { IngestProgress } from '../domain/documents.js';

/**
 * A progress bar on a TTY (cli-progress, on stderr), periodic plain lines otherwise (CI logs,
 * pipes), nothing when quiet. stdout is left alone for results.
 */
export function createProgressReporter(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}) {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { update: (_p: IngestProgress) => {}, stop: () => {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: ' {phase} [{bar}] {value}/{total} {eta_formatted}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let phase = '';
    return {
      update(p: IngestProgress) {
        if (p.phase !== phase) {
          if (phase) bar.stop();
          phase = p.phase;
          if (p.total > 0) bar.start(p.total, p.done, { phase: p.phase.padEnd(6) });
        } else if (p.total > 0) {
          bar.setTotal(p.total);
          bar.update(p.done, { phase: p.phase.padEnd(6) });
        }
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let lastPhase = '';
  return {
    update(p: IngestProgress) {
      const now = Date.now();
      if (p.phase === lastPhase && now - last < 2000 && p.done !== p.total) return;
      last = now;
      lastPhase = p.phase;
      if (p.total > 0)
        stream.write(`[ingest] ${p.phase} ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}\n`);
    },
    stop: () => {},
  };
}
