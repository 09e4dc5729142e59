import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temp dir removed after the test file. */
export function tmpDir(prefix = 'copilot-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, body] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
  }
}

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
