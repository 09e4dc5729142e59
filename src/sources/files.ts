import { createHash } from 'node:crypto';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';

/** A stable, readable file name for a page: its path slug plus a short hash of the full key. */
export function pageFileName(key: string, hint: string): string {
  const slug =
    hint
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'page';
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return `${slug}-${hash}.md`;
}

/** Write a Markdown page with YAML front matter (title, url, updated and any extra keys). */
export async function writePage(
  dir: string,
  file: string,
  front: Record<string, string | undefined>,
  body: string,
): Promise<void> {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(front)) if (v !== undefined && v !== '') data[k] = v;
  await writeFile(path.join(dir, file), matter.stringify(`${body.trim()}\n`, data), 'utf8');
}

/** Copy the last good copy of an unchanged page; false when it is missing (then refetch). */
export async function reusePage(prevDir: string, outDir: string, file: string): Promise<boolean> {
  try {
    await copyFile(path.join(prevDir, file), path.join(outDir, file));
    return true;
  } catch {
    return false;
  }
}
