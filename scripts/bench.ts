import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Document } from '@langchain/core/documents';
import hnswlib from 'hnswlib-node';
import { generateCorpus, mulberry32, sectionText } from '../src/bench/corpus.js';
import { parseCli, runCli } from '../src/cli/run.js';
import { loadConfig } from '../src/config.js';
import { runIndex } from '../src/ingest/indexer.js';
import { withEmbeddingCache } from '../src/retrieval/embedders/cache.js';
import { createLocalEmbedder } from '../src/retrieval/embedders/local.js';
import { percentile, round } from '../src/retrieval/eval-metrics.js';
import { layout } from '../src/retrieval/index-files.js';
import { openIndex } from '../src/retrieval/index-reader.js';

const USAGE = `
Usage: npm run bench -- [--chunks N] [--queries N] [--json]
Measures index build, incremental update and query speed/recall on a generated corpus
(default 100,000 chunks, local embedder dimensions). Prints progress on stderr.`;

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

runCli(async () => {
  const { values } = parseCli(
    {
      chunks: { type: 'string', default: '100000' },
      queries: { type: 'string', default: '200' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const n = Number(values.chunks);
  const nq = Number(values.queries);
  const config = loadConfig({ ...process.env, EMBEDDINGS: 'local' });
  const params = config.hnsw;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-bench-'));
  const knowledgeDir = path.join(work, 'knowledge');
  const indexDir = path.join(work, 'index');
  try {
    log(`generating ${n} chunks in ${work}`);
    const corpus = generateCorpus(knowledgeDir, n);
    const inner = createLocalEmbedder();
    const embedder = await withEmbeddingCache(inner, path.join(layout.cache(indexDir), 'embeddings'));
    const common = {
      knowledgeDir,
      indexDir,
      embedder,
      hnsw: params,
      maxFileBytes: config.ingest.maxFileBytes,
    };

    log('full build (scan, load, chunk, embed, HNSW + BM25, write)');
    const t0 = performance.now();
    const built = await runIndex(common);
    const buildS = (performance.now() - t0) / 1000;
    log(`built ${built.chunks} chunks in ${buildS.toFixed(1)} s`);

    const index = openIndex({ indexDir, embedder: inner, hnsw: params });
    const space = index.space('default');
    if (!space) throw new Error('bench index has no default space');
    const labels = [...space.chunks.keys()];
    const vectors = labels.map((l) => space.vectors.vector(l));

    log('raw hnswlib insertion, same parameters');
    const raw = new hnswlib.HierarchicalNSW('cosine', inner.dimensions);
    raw.initIndex(vectors.length, params.m, params.efConstruction, 100, true);
    const t1 = performance.now();
    for (let i = 0; i < vectors.length; i++) raw.addPoint(vectors[i] as number[], i);
    const rawS = (performance.now() - t1) / 1000;

    log('incremental update of one changed file');
    const target = corpus.files[Math.floor(corpus.files.length / 2)] as string;
    fs.appendFileSync(
      target,
      '\n## Bench change\n\nA new paragraph about refund windows for damaged kettles.\n',
    );
    const t2 = performance.now();
    const inc = await runIndex(common);
    const incS = (performance.now() - t2) / 1000;
    if (inc.updated !== 1) throw new Error(`incremental run updated ${inc.updated} files, expected 1`);

    log(`queries: ${nq}, exact brute force for recall`);
    const rand = mulberry32(7);
    const vocab = Array.from({ length: 500 }, (_, i) => `term${i}`);
    const qvecs = await Promise.all(
      Array.from({ length: nq }, (_, i) => inner.embedQuery(sectionText(rand, i % 12, vocab).slice(0, 120))),
    );
    const truth = qvecs.map((q) => bruteForceTop(vectors, q, 10).map((i) => labels[i] as number));
    const sweep: Array<{ ef: number; p50_ms: number; p99_ms: number; recall_at_10: number }> = [];
    for (const ef of [32, 64, 128, 256]) {
      space.vectors.setEf(ef);
      const times: number[] = [];
      let hit = 0;
      qvecs.forEach((q, i) => {
        const t = performance.now();
        const res = space.vectors.search(q, 10);
        times.push(performance.now() - t);
        const want = new Set(truth[i]);
        hit += res.filter((r) => want.has(r.label)).length;
      });
      sweep.push({
        ef,
        p50_ms: round(percentile(times, 50), 3),
        p99_ms: round(percentile(times, 99), 3),
        recall_at_10: round(hit / (nq * 10), 4),
      });
    }
    const chosen = sweep.find((s) => s.ef === params.efSearch) ?? (sweep[2] as (typeof sweep)[number]);

    log('peer: LangChain MemoryVectorStore, same vectors');
    const peer = new MemoryVectorStore({ embedDocuments: async () => [], embedQuery: async () => [] });
    await peer.addVectors(
      vectors,
      labels.map((l) => new Document({ pageContent: '', metadata: { label: l } })),
    );
    const peerTimes: number[] = [];
    for (const q of qvecs.slice(0, Math.min(30, nq))) {
      const t = performance.now();
      await peer.similaritySearchVectorWithScore(q, 10);
      peerTimes.push(performance.now() - t);
    }
    const peerP50 = percentile(peerTimes, 50);

    const result = {
      chunks: built.chunks,
      build_s: round(buildS, 2),
      build_chunks_per_s: Math.round(built.chunks / buildS),
      raw_insert_per_s: Math.round(vectors.length / rawS),
      build_vs_raw: round(built.chunks / buildS / (vectors.length / rawS), 3),
      incremental_s: round(incS, 3),
      hnsw: { m: params.m, ef_construction: params.efConstruction, ef_search: chosen.ef },
      query_p50_ms: chosen.p50_ms,
      query_p99_ms: chosen.p99_ms,
      recall_at_10: chosen.recall_at_10,
      ef_sweep: sweep,
      peer_p50_ms: round(peerP50, 2),
      speedup_vs_peer: Math.round(peerP50 / Math.max(chosen.p50_ms, 1e-3)),
      rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

function bruteForceTop(vectors: number[][], q: number[], k: number): number[] {
  const scores = new Float64Array(vectors.length);
  let qn = 0;
  for (const x of q) qn += x * x;
  vectors.forEach((v, i) => {
    let dot = 0;
    let vn = 0;
    for (let j = 0; j < v.length; j++) {
      const x = v[j] as number;
      dot += x * (q[j] as number);
      vn += x * x;
    }
    scores[i] = dot / Math.sqrt(vn * qn || 1);
  });
  return [...scores.keys()].sort((a, b) => (scores[b] as number) - (scores[a] as number)).slice(0, k);
}
