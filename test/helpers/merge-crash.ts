import { mergeSegments } from '../../src/ingest/merge.js';

/**
 * Run as its own process by test/integration/vector-segments.test.ts: a segment merge that dies
 * (process.exit, no clean-up) after writing the merged base and before publishing the version.
 */
const [indexDir] = process.argv.slice(2);
if (!indexDir) throw new Error('usage: merge-crash.ts INDEX_DIR');
await mergeSegments({
  indexDir,
  hnsw: { m: 16, efConstruction: 100, efSearch: 64 },
  force: true,
  beforePublish: () => process.exit(9),
});
process.exit(0);
