import fs from 'node:fs';
import { openIndexForQuery, stalenessWarning } from '../src/cli/open-index.js';
import { envWith, parseCli, runCli } from '../src/cli/run.js';
import { loadConfig } from '../src/config.js';
import {
  type AnswerCase,
  bm25SentencesAnswerer,
  offlineAnswerer,
  scoreAnswers,
} from '../src/copilot/answer-eval.js';
import { CopilotError } from '../src/errors.js';
import { BigramBm25 } from '../src/retrieval/eval-baseline.js';
import { dedupeSources, mrrAt, ndcgAt, percentile, recallAt, round } from '../src/retrieval/eval-metrics.js';
import type { SearchMode } from '../src/retrieval/types.js';

const USAGE = `
Usage: npm run eval -- [--queries FILE] [--knowledge DIR] [--index DIR] [--k 10] [--mode hybrid|vector|lexical|all] [--json]
Scores retrieval on a JSONL file of {query, relevant: [source paths], space?} (document-level, binary relevance).
Every run also scores a baseline, plain character-bigram BM25 over the same chunks (row "bigram").`;

interface EvalQuery {
  query: string;
  relevant: string[];
  space?: string;
}

runCli(async () => {
  const { values } = parseCli(
    {
      queries: { type: 'string', default: 'test/fixtures/eval/retrieval.jsonl' },
      knowledge: { type: 'string' },
      index: { type: 'string' },
      k: { type: 'string', default: '10' },
      mode: { type: 'string', default: 'hybrid' },
      json: { type: 'boolean' },
      answers: { type: 'boolean' },
    },
    USAGE,
  );
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 1) throw new CopilotError('cli:usage', '--k must be a positive integer.');
  const modes = (values.mode === 'all' ? ['hybrid', 'vector', 'lexical'] : [values.mode]) as SearchMode[];
  const config = loadConfig(envWith(values));
  const { index, freshness } = await openIndexForQuery(config);
  const warning = stalenessWarning(freshness, config.knowledgeDir);
  if (warning) process.stderr.write(`${warning}\n`);

  if (values.answers) {
    const file =
      values.queries === 'test/fixtures/eval/retrieval.jsonl'
        ? 'test/fixtures/eval/answers.jsonl'
        : values.queries;
    const cases = readJsonl<AnswerCase>(file as string, (c) =>
      typeof c.question === 'string' && Array.isArray(c.facts) ? null : 'needs question and facts',
    );
    const rows = {
      offline: await scoreAnswers(cases, offlineAnswerer(index, config.thresholds.answerMinScore)),
      bm25_3_sentences: await scoreAnswers(cases, bm25SentencesAnswerer(index)),
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    const heads = ['fact_hit_rate', 'false_escalations', 'offtopic_escalations'] as const;
    process.stdout.write(`${'answerer'.padEnd(17)} ${heads.map((h) => h.padStart(20)).join(' ')}\n`);
    for (const [name, r] of Object.entries(rows)) {
      const cells = [
        String(r.fact_hit_rate),
        `${r.false_escalations}/${r.answerable}`,
        `${r.offtopic_escalations}/${r.offtopic}`,
      ];
      process.stdout.write(`${name.padEnd(17)} ${cells.map((c) => c.padStart(20)).join(' ')}\n`);
    }
    process.stdout.write(`(${cases.length} questions)\n`);
    return 0;
  }
  const queries = readQueries(values.queries as string);
  const baselines = new Map<string, BigramBm25>();
  const baseline = (space: string): BigramBm25 => {
    let b = baselines.get(space);
    if (!b) {
      b = new BigramBm25(index.space(space)?.chunks.values() ?? []);
      baselines.set(space, b);
    }
    return b;
  };
  const results: Record<string, Record<string, number>> = {};
  for (const mode of [...modes, 'bigram' as const]) {
    const sums = { r1: 0, r5: 0, r10: 0, mrr: 0, ndcg: 0 };
    const times: number[] = [];
    for (const q of queries) {
      const space = q.space ?? 'default';
      const t0 = performance.now();
      const sources =
        mode === 'bigram'
          ? baseline(space).search(q.query, k * 4)
          : (await index.search(q.query, { space, k: k * 4, mode })).map((h) => h.chunk.source);
      times.push(performance.now() - t0);
      const ranked = dedupeSources(sources).slice(0, k);
      sums.r1 += recallAt(ranked, q.relevant, 1);
      sums.r5 += recallAt(ranked, q.relevant, 5);
      sums.r10 += recallAt(ranked, q.relevant, Math.min(10, k));
      sums.mrr += mrrAt(ranked, q.relevant, k);
      sums.ndcg += ndcgAt(ranked, q.relevant, k);
    }
    const n = queries.length;
    results[mode] = {
      'recall@1': round(sums.r1 / n),
      'recall@5': round(sums.r5 / n),
      'recall@10': round(sums.r10 / n),
      'mrr@10': round(sums.mrr / n),
      'ndcg@10': round(sums.ndcg / n),
      n,
      p50_ms: round(percentile(times, 50), 2),
      p95_ms: round(percentile(times, 95), 2),
    };
  }
  if (values.json) {
    const out = results;
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  }
  process.stdout.write(
    `${'mode'.padEnd(8)} ${['recall@1', 'recall@5', 'recall@10', 'mrr@10', 'ndcg@10', 'p50_ms', 'p95_ms'].map((h) => h.padStart(9)).join(' ')}\n`,
  );
  for (const [mode, r] of Object.entries(results)) {
    const cells = ['recall@1', 'recall@5', 'recall@10', 'mrr@10', 'ndcg@10', 'p50_ms', 'p95_ms'].map((key) =>
      String(r[key]).padStart(9),
    );
    process.stdout.write(`${mode.padEnd(8)} ${cells.join(' ')}\n`);
  }
  process.stdout.write(`(${queries.length} queries)\n`);
  return 0;
});

function readQueries(file: string): EvalQuery[] {
  return readJsonl<EvalQuery>(file, (q) =>
    typeof q.query === 'string' && Array.isArray(q.relevant) ? null : 'needs query and relevant',
  );
}

function readJsonl<T>(file: string, problem: (row: T) => string | null): T[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new CopilotError('cli:usage', `Cannot read the queries file ${file}.`);
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      try {
        const row = JSON.parse(line) as T;
        const why = problem(row);
        if (why) throw new Error(why);
        return row;
      } catch (err) {
        throw new CopilotError('cli:usage', `${file}:${i + 1}: ${(err as Error).message}`);
      }
    });
}
