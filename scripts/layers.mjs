#!/usr/bin/env node
/**
 * The layer check (`npm run lint:layers`, part of `npm test`). Cruises src/ with dependency-cruiser
 * (type-only imports count) and fails when
 *   - a folder of src/ imports a folder of a higher layer (LAYERS below, lowest first),
 *   - folders of src/ import each other in a cycle (src/a → src/b → … → src/a),
 *   - a folder is in no layer, or a rule of .dependency-cruiser.cjs is broken (src/ → test/).
 * A folder is the first path part under src/ (`src/copilot/x.ts` → copilot; `src/config.ts` → config).
 * Usage: node scripts/layers.mjs [root]   (root defaults to the current directory)
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';

/** Lowest first. A folder may import its own layer and the layers before it, never a later one. */
export const LAYERS = [
  ['domain'],
  ['text'],
  ['errors'],
  ['config', 'logger'],
  ['memory', 'safety', 'prompts', 'retrieval'],
  ['llm', 'ingest'],
  ['sources'],
  ['copilot'],
  ['handoff'],
  ['insights'],
  ['conversation'],
  ['slack', 'http'],
  ['app'],
  ['main', 'cli', 'bench'],
];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = createRequire(import.meta.url)(path.join(repoRoot, '.dependency-cruiser.cjs'));

function folderOf(file) {
  const parts = file.split('/');
  if (parts[0] !== 'src' || parts.length < 2) return null;
  return parts.length === 2 ? parts[1].replace(/\.[cm]?[jt]s$/, '') : parts[1];
}

/** Strongly connected components of the folder graph with more than one folder (Tarjan). */
function folderCycles(edges) {
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])];
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const v of nodes.sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Returns the list of violations (strings) for the project at `root`. */
export async function checkLayers(root) {
  const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));
  const cwd = process.cwd();
  process.chdir(root);
  let output;
  try {
    const hasTsConfig = fs.existsSync('tsconfig.json');
    const options = { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true };
    if (!hasTsConfig) delete options.tsConfig;
    ({ output } = await cruise(['src'], options));
  } finally {
    process.chdir(cwd);
  }
  const problems = [];
  for (const v of output.summary.violations) problems.push(`${v.rule.name}: ${v.from} → ${v.to}`);
  const edges = new Map();
  const examples = new Map();
  for (const mod of output.modules) {
    const from = folderOf(mod.source);
    if (!from) continue;
    if (!rank.has(from))
      problems.push(`no layer: src/${from} (${mod.source}); add it to LAYERS in scripts/layers.mjs`);
    for (const dep of mod.dependencies) {
      const to = folderOf(dep.resolved);
      if (!to || to === from || dep.coreModule) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from).add(to);
      const key = `${from}→${to}`;
      if (!examples.has(key)) examples.set(key, `${mod.source} → ${dep.resolved}`);
      if (rank.has(from) && rank.has(to) && rank.get(to) > rank.get(from)) {
        problems.push(`upward import: ${mod.source} → ${dep.resolved} (${from} is below ${to})`);
      }
    }
  }
  for (const scc of folderCycles(edges)) {
    const inCycle = new Set(scc);
    const links = [...examples].filter(([k]) => {
      const [a, b] = k.split('→');
      return inCycle.has(a) && inCycle.has(b);
    });
    problems.push(`folder cycle: ${scc.join(', ')}\n    ${links.map(([, e]) => e).join('\n    ')}`);
  }
  return [...new Set(problems)];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? '.');
  const problems = await checkLayers(root);
  if (problems.length > 0) {
    console.error(
      `layers: ${problems.length} problem(s) in ${root}/src (see docs/architecture.md, "Layers")`,
    );
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log('layers: ok (no upward import, no folder cycle)');
}
