import fs from 'node:fs';
import path from 'node:path';
import { CopilotError } from '../errors.js';

/**
 * One writer per INDEX_DIR on this machine: an O_EXCL lock file holding our pid. A lock left by a
 * killed process (pid no longer alive) is taken over, so SIGKILL never wedges ingestion.
 * (Across machines the Redis lock of the reindex job is the guard.)
 */
export function acquireIndexLock(indexDir: string): () => void {
  fs.mkdirSync(indexDir, { recursive: true });
  const file = path.join(indexDir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new CopilotError('index:busy', `Another indexing run (pid ${holder}) is writing ${indexDir}.`, {
          hint: 'Wait for it to finish; requests made meanwhile are picked up by the next run.',
        });
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new CopilotError('index:busy', `Could not lock ${indexDir}.`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
