import { execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CopilotError } from '../../../src/errors.js';
import { scanKnowledge } from '../../../src/ingest/scan.js';
import { withTempDir } from './fixtures.js';

async function put(root: string, rel: string, content = 'text') {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), content);
}

describe('scanKnowledge', () => {
  it('lists supported files with their space, and says why every other entry was skipped', () =>
    withTempDir(async (tmp) => {
      const kb = path.join(tmp, 'knowledge');
      await put(kb, 'welcome.md');
      await put(kb, 'spaces.json', '{}');
      await put(kb, '.hidden.md');
      await put(kb, '.git/config');
      await put(kb, 'notes.docx');
      await put(kb, 'README');
      await put(kb, 'big.txt', 'x'.repeat(2048));
      await put(kb, 'default/intro.txt');
      await put(kb, 'shop-a/returns.md');
      await put(kb, 'shop-a/UPPER.MD');
      await put(kb, 'shop-a/Sub Folder/faq.csv', 'question,answer\nq,a');
      await put(kb, 'bad space!/x.md');
      await put(tmp, 'outside/secret.md');
      await symlink(path.join(tmp, 'outside/secret.md'), path.join(kb, 'shop-a/outside.md'));
      await symlink(path.join(tmp, 'outside'), path.join(kb, 'shop-a/outside-dir'));
      await symlink(path.join(kb, 'shop-a'), path.join(kb, 'shop-a/loop'));
      await mkdir(path.join(kb, 'shop-b'));
      await symlink('../shop-a/returns.md', path.join(kb, 'shop-b/shared.md'));
      await symlink(path.join(kb, 'missing.md'), path.join(kb, 'shop-b/broken.md'));

      const { files, skipped } = await scanKnowledge(kb, { maxFileBytes: 1024 });

      expect(files.map((f) => [f.source, f.space, f.ext])).toEqual([
        ['default/intro.txt', 'default', '.txt'],
        ['shop-a/Sub Folder/faq.csv', 'shop-a', '.csv'],
        ['shop-a/UPPER.MD', 'shop-a', '.md'],
        ['shop-a/returns.md', 'shop-a', '.md'],
        ['shop-b/shared.md', 'shop-b', '.md'],
        ['welcome.md', 'default', '.md'],
      ]);
      const shared = files.find((f) => f.source === 'shop-b/shared.md');
      expect(shared).toMatchObject({ abs: path.join(kb, 'shop-b/shared.md'), size: 4 });
      expect(shared?.mtimeMs).toBeGreaterThan(0);

      const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
      expect(Object.keys(reasons)).toEqual([
        'README',
        'bad space!',
        'big.txt',
        'notes.docx',
        'shop-a/loop',
        'shop-a/outside-dir',
        'shop-a/outside.md',
        'shop-b/broken.md',
      ]);
      expect(reasons['notes.docx']).toBe('unsupported file type ".docx"');
      expect(reasons['README']).toBe('unsupported file type (no extension)');
      expect(reasons['big.txt']).toBe('file is 2 KB, over the 1 KB limit (MAX_FILE_BYTES)');
      expect(reasons['bad space!']).toMatch(/not a valid space name/);
      expect(reasons['shop-a/loop']).toMatch(/symbolic link loop/);
      expect(reasons['shop-a/outside.md']).toMatch(/outside the knowledge folder/);
      expect(reasons['shop-a/outside-dir']).toMatch(/outside the knowledge folder/);
      expect(reasons['shop-b/broken.md']).toBe('broken symbolic link');
    }));

  it('skips folders nested deeper than maxDepth, with their contents', () =>
    withTempDir(async (kb) => {
      await put(kb, 'shop/d2/d3/ok.md');
      await put(kb, 'shop/d2/d3/d4/d5/too-deep.md');
      const { files, skipped } = await scanKnowledge(kb, { maxFileBytes: 1000, maxDepth: 3 });
      expect(files.map((f) => f.source)).toEqual(['shop/d2/d3/ok.md']);
      expect(skipped).toEqual([
        { path: 'shop/d2/d3/d4', reason: 'folder nested deeper than 3 levels; folder skipped' },
      ]);
    }));

  it('skips entries that are not regular files (a FIFO would block a reader forever)', () =>
    withTempDir(async (kb) => {
      await put(kb, 'shop/a.md');
      execFileSync('mkfifo', [path.join(kb, 'shop/pipe.md')]);
      const { files, skipped } = await scanKnowledge(kb, { maxFileBytes: 1000 });
      expect(files.map((f) => f.source)).toEqual(['shop/a.md']);
      expect(skipped).toEqual([{ path: 'shop/pipe.md', reason: 'not a regular file' }]);
    }));

  // root reads anything, so an unreadable folder cannot be made when the tests run as root
  it('reports an unreadable folder and keeps going', () =>
    withTempDir(async (tmp) => {
      const kb = path.join(tmp, 'kb');
      await put(kb, 'shop/locked/a.md');
      await put(kb, 'shop/open.md');
      await chmod(tmp, 0o755);
      await chmod(path.join(kb, 'shop/locked'), 0o000);
      try {
        // Root reads everything: scan as an unprivileged user then (CI runs as root).
        const asRoot = process.getuid?.() === 0;
        const script = `import('${path.resolve('src/ingest/scan.ts')}').then(async (m) => console.log(JSON.stringify(await m.scanKnowledge(process.argv[1], { maxFileBytes: 1000 }))))`;
        const { files, skipped } = asRoot
          ? (JSON.parse(
              execFileSync(process.execPath, ['--import', 'tsx', '-e', script, kb], {
                uid: 65534,
                gid: 65534,
                env: { ...process.env, HOME: tmp },
                encoding: 'utf8',
              }),
            ) as Awaited<ReturnType<typeof scanKnowledge>>)
          : await scanKnowledge(kb, { maxFileBytes: 1000 });
        expect(files.map((f) => f.source)).toEqual(['shop/open.md']);
        expect(skipped).toEqual([{ path: 'shop/locked', reason: 'cannot read folder (EACCES)' }]);
      } finally {
        await chmod(path.join(kb, 'shop/locked'), 0o755);
      }
    }));

  it('throws ingest:no_knowledge_dir with a hint when the folder does not exist or is a file', () =>
    withTempDir(async (tmp) => {
      await put(tmp, 'file.md');
      for (const dir of [path.join(tmp, 'nope'), path.join(tmp, 'file.md')]) {
        const err = await scanKnowledge(dir, { maxFileBytes: 1000 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CopilotError);
        expect(err).toMatchObject({
          code: 'ingest:no_knowledge_dir',
          hint: 'Create it or set KNOWLEDGE_DIR.',
        });
      }
    }));
});
