import { openIndexForQuery, stalenessWarning } from '../src/cli/open-index.js';
import { envWith, parseCli, runCli } from '../src/cli/run.js';
import { loadConfig } from '../src/config.js';
import { CopilotError } from '../src/errors.js';
import type { SearchMode } from '../src/retrieval/types.js';

const USAGE = `
Usage: npm run search -- [--knowledge DIR] [--index DIR] [--space S] [--k N] [--mode hybrid|vector|lexical] [--json] "query"
Searches one space of the index (default space: default).`;

runCli(async () => {
  const { values, positionals } = parseCli(
    {
      knowledge: { type: 'string' },
      index: { type: 'string' },
      space: { type: 'string', default: 'default' },
      k: { type: 'string', default: '5' },
      mode: { type: 'string', default: 'hybrid' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const query = positionals.join(' ').trim();
  const k = Number(values.k);
  const mode = values.mode as SearchMode;
  if (!query) throw new CopilotError('cli:usage', 'Give a query to search for.', { hint: USAGE });
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new CopilotError('cli:usage', '--k must be 1..100.');
  if (!['hybrid', 'vector', 'lexical'].includes(mode)) {
    throw new CopilotError('cli:usage', '--mode must be hybrid, vector or lexical.');
  }
  const config = loadConfig(envWith(values));
  const { index, freshness } = await openIndexForQuery(config);
  const warning = stalenessWarning(freshness, config.knowledgeDir);
  if (warning) process.stderr.write(`${warning}\n`);
  const hits = await index.search(query, { space: values.space ?? 'default', k, mode });
  const rows = hits.map((h) => ({
    rank: h.rank,
    score: Number(h.score.toFixed(6)),
    source: h.chunk.source,
    space: h.chunk.space,
    chunkId: h.chunk.id,
    title: h.chunk.title,
    ...(h.chunk.headingPath?.length ? { headingPath: h.chunk.headingPath } : {}),
    ...(h.chunk.page ? { page: h.chunk.page } : {}),
    text: h.chunk.text,
  }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  if (rows.length === 0) process.stdout.write('No results.\n');
  for (const r of rows) {
    const where = [r.headingPath?.join(' > '), r.page ? `p.${r.page}` : ''].filter(Boolean).join(' · ');
    process.stdout.write(`${r.rank}. ${r.source}${where ? ` — ${where}` : ''} (score ${r.score})\n`);
    process.stdout.write(`   ${r.text.replace(/\s+/g, ' ').slice(0, 200)}\n`);
  }
  return 0;
});
