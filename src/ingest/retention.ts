import fs from 'node:fs';
import path from 'node:path';
import { layout } from '../retrieval/index-files.js';
import { isAlive } from './index-lock.js';

const KEEP_VERSIONS = 3;

/**
 * Drop what a crashed run left (temp dirs of dead pids) and all but the newest few versions.
 * Older versions are kept briefly because other replicas may still be loading them.
 */
export function cleanupVersions(indexDir: string, current: string): void {
  const dir = layout.versions(indexDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const complete: string[] = [];
  for (const name of names) {
    const tmp = /\.tmp-(\d+)$/.exec(name);
    if (tmp) {
      if (!isAlive(Number(tmp[1])) || Number(tmp[1]) === process.pid) {
        fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      }
    } else {
      complete.push(name);
    }
  }
  complete.sort();
  const drop = complete.filter((n) => n !== current).slice(0, Math.max(0, complete.length - KEEP_VERSIONS));
  for (const name of drop) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
}
