import { execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CopilotError } from '../../../src/errors.js';
import { scanKnowledge } from '../../../src/ingest/scan.js';
import { spaceResolver } from '../../../src/retrieval/spaces.js';
import { withTempDir } from './fixtures.js';

async function put(root: string, rel: string, content = 'text') {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), content);
}

describe('spaces are declared, folders are organisation', () => {
  const file = (spaces: Record<string, { folders?: string[] }>) => ({ spaces, channels: {}, teams: {} });
  it('without declarations the whole tree, subfolders included, is default', () => {
    const of = spaceResolver(file({}));
    for (const s of ['a.md', 'policies/returns.md', 'products/x/y.pdf']) expect(of(s)).toBe('default');
  });
  it('a declared space owns its folders (or the folder of its name); the longest folder wins', () => {
    const of = spaceResolver(
      file({
        apparel: {},
        b2b: { folders: ['wholesale/', 'lines/b2b/'] },
        kids: { folders: ['apparel/kids'] },
      }),
    );
    expect(of('apparel/returns.md')).toBe('apparel');
    expect(of('apparel/kids/sizes.md')).toBe('kids');
    expect(of('wholesale/terms.md')).toBe('b2b');
    expect(of('lines/b2b/net-60.md')).toBe('b2b');
    expect(of('lines/other.md')).toBe('default');
    expect(of('apparel-old/x.md')).toBe('default');
  });
});

describe('scanKnowledge', () => {
  it('lists supported files with their space, and says why every other entry was skipped', () =>
    withTempDir(async (tmp) => {
      const kb = path.join(tmp, 'knowledge');
      await put(kb, 'welcome.md');
      await put(kb, 'spaces.json', '{}');
      await put(kb, '.hidden.md');
      await put(kb, '.git/config');
      await put(kb, 'notes.pages');
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

      // shop-a is declared with its folder; shop-b (a folder like any other) is not.
      const spaceOf = spaceResolver({
        spaces: { 'shop-a': { folders: ['shop-a/'] } },
        channels: {},
        teams: {},
      });
      const { files, skipped } = await scanKnowledge(kb, { maxFileBytes: 1024, spaceOf });

      expect(files.map((f) => [f.source, f.space, f.ext])).toEqual([
        ['bad space!/x.md', 'default', '.md'],
        ['default/intro.txt', 'default', '.txt'],
        ['shop-a/Sub Folder/faq.csv', 'shop-a', '.csv'],
        ['shop-a/UPPER.MD', 'shop-a', '.md'],
        ['shop-a/returns.md', 'shop-a', '.md'],
        ['shop-b/shared.md', 'default', '.md'],
        ['welcome.md', 'default', '.md'],
      ]);
      const shared = files.find((f) => f.source === 'shop-b/shared.md');
      expect(shared).toMatchObject({ abs: path.join(kb, 'shop-b/shared.md'), size: 4 });
      expect(shared?.mtimeMs).toBeGreaterThan(0);

      const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
      expect(Object.keys(reasons)).toEqual([
        'README',
        'big.txt',
        'notes.pages',
        'shop-a/loop',
        'shop-a/outside-dir',
        'shop-a/outside.md',
        'shop-b/broken.md',
      ]);
      expect(reasons['notes.pages']).toBe('unsupported file type ".pages"');
      expect(reasons['README']).toBe('unsupported file type (no extension)');
      expect(reasons['big.txt']).toBe('file is 2 KB, over the 1 KB limit (MAX_FILE_BYTES)');
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

  // Root reads anything, so an unreadable folder cannot be made for root: the scan then runs as
  // an unprivileged user. That child must not load anything from the checkout (its parent
  // folders may be closed to other users, e.g. a clone under /root), so the scanner is bundled
  // into one self-contained file inside the test's own world-readable temp folder.
  it('reports an unreadable folder and keeps going', () =>
    withTempDir(async (tmp) => {
      const kb = path.join(tmp, 'kb');
      await put(kb, 'shop/locked/a.md');
      await put(kb, 'shop/open.md');
      await chmod(tmp, 0o755);
      await chmod(path.join(kb, 'shop/locked'), 0o000);
      try {
        const asRoot = process.getuid?.() === 0;
        let result: Awaited<ReturnType<typeof scanKnowledge>>;
        if (asRoot) {
          const bundle = path.join(tmp, 'scan-bundle.mjs');
          await build({
            entryPoints: [path.resolve('src/ingest/scan.ts')],
            bundle: true,
            platform: 'node',
            format: 'esm',
            outfile: bundle,
            logLevel: 'silent',
          });
          const runner = path.join(tmp, 'run-scan.mjs');
          await writeFile(
            runner,
            `import { scanKnowledge } from './scan-bundle.mjs';\nconsole.log(JSON.stringify(await scanKnowledge(process.argv[2], { maxFileBytes: 1000 })));\n`,
          );
          await chmod(bundle, 0o644);
          await chmod(runner, 0o644);
          result = JSON.parse(
            execFileSync(process.execPath, [runner, kb], {
              uid: 65534,
              gid: 65534,
              cwd: tmp,
              env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp },
              encoding: 'utf8',
            }),
          ) as typeof result;
        } else result = await scanKnowledge(kb, { maxFileBytes: 1000 });
        expect(result.files.map((f) => f.source)).toEqual(['shop/open.md']);
        expect(result.skipped).toEqual([{ path: 'shop/locked', reason: 'cannot read folder (EACCES)' }]);
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
