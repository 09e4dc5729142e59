import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tmpDir, writeFiles } from '../helpers/tmp.js';

/** Runs the layer check (scripts/layers.mjs, the one `npm test` runs) on a project root. */
function checkLayers(root: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'layers.mjs'), root], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

const TSCONFIG = JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } });

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const root = tmpDir('copilot-layers-');
  roots.push(root);
  writeFiles(root, { 'tsconfig.json': TSCONFIG, ...files });
  return root;
}

describe('layer check (scripts/layers.mjs)', () => {
  it('passes on this repository', async () => {
    const { code, out } = await checkLayers(REPO_ROOT);
    expect(out).toContain('layers: ok');
    expect(code).toBe(0);
  });

  it('is part of npm test', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toContain('npm run lint:layers');
    expect(pkg.scripts['lint:layers']).toBe('node scripts/layers.mjs');
  });

  it('fails on an upward import added to a copy of the real src/', async () => {
    const root = tmpDir('copilot-layers-repo-');
    roots.push(root);
    fs.cpSync(path.join(REPO_ROOT, 'src'), path.join(root, 'src'), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, 'tsconfig.json'), path.join(root, 'tsconfig.json'));
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    expect((await checkLayers(root)).code).toBe(0);

    const file = path.join(root, 'src', 'memory', 'in-process.ts');
    fs.writeFileSync(
      file,
      `import type { Copilot } from '../copilot/pipeline.js';\n${fs.readFileSync(file, 'utf8')}`,
    );
    const { code, out } = await checkLayers(root);
    expect(code).toBe(1);
    expect(out).toContain(
      'upward import: src/memory/in-process.ts → src/copilot/pipeline.ts (memory is below copilot)',
    );
  });

  it('counts a type-only upward import', async () => {
    const root = project({
      'src/copilot/types.ts': 'export interface Answer { text: string }\n',
      'src/memory/store.ts':
        "import type { Answer } from '../copilot/types.js';\nexport const keep = (a: Answer) => a.text;\n",
    });
    const { code, out } = await checkLayers(root);
    expect(code).toBe(1);
    expect(out).toContain('upward import: src/memory/store.ts → src/copilot/types.ts');
  });

  it('fails on a folder cycle between folders of one layer', async () => {
    const root = project({
      'src/memory/a.ts': "import { b } from '../retrieval/b.js';\nexport const a = () => b;\n",
      'src/retrieval/b.ts': "import { c } from '../memory/c.js';\nexport const b = c;\n",
      'src/memory/c.ts': 'export const c = 1;\n',
    });
    const { code, out } = await checkLayers(root);
    expect(code).toBe(1);
    expect(out).toContain('folder cycle: memory, retrieval');
    expect(out).not.toContain('upward import');
  });

  it('fails when src/ imports test/, and on a folder in no layer', async () => {
    const root = project({
      'src/bench/run.ts': "import { fake } from '../../test/fakes/model.js';\nexport const run = fake;\n",
      'test/fakes/model.ts': 'export const fake = 1;\n',
      'src/gadgets/x.ts': 'export const x = 1;\n',
    });
    const { code, out } = await checkLayers(root);
    expect(code).toBe(1);
    expect(out).toContain('src-not-to-test: src/bench/run.ts → test/fakes/model.ts');
    expect(out).toContain('no layer: src/gadgets');
  });

  it('passes on downward imports', async () => {
    const root = project({
      'src/domain/answer.ts': 'export interface Answer { text: string }\n',
      'src/memory/store.ts':
        "import type { Answer } from '../domain/answer.js';\nexport const s = (a: Answer) => a;\n",
      'src/copilot/pipeline.ts': "import { s } from '../memory/store.js';\nexport const p = s;\n",
      'src/config.ts': "import './errors.js';\nexport const config = {};\n",
      'src/errors.ts': 'export class E extends Error {}\n',
    });
    const { code, out } = await checkLayers(root);
    expect(out).toContain('layers: ok');
    expect(code).toBe(0);
  });
});
