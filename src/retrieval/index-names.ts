import { randomBytes } from 'node:crypto';
import fs from 'node:fs';

/**
 * Small file helpers of the index layout (index-files.ts), kept apart so the writer thread can
 * use them without loading the vector index code.
 */
export function newVersionName(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** A new, unique segment file name. */
export const newSegmentName = (): string => `seg-${newVersionName()}.jsonl`;

/** Hard-link a file from the previous version (copy where links are not possible). */
export function linkOrCopy(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}
