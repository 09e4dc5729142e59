import { describe, expect, it } from 'vitest';
import { runScript } from '../helpers/cli.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';

/**
 * `npm run bench` end to end at a small size: every phase runs (build, raw hnswlib, incremental,
 * ANN sweep, peer, overhead with Redis, load, soak in a forked server) and reports every key the
 * issues name. Sanity only: speed is measured by the real run, not asserted here.
 */
const withRedis = await redisAvailable();

describe.runIf(withRedis)('npm run bench (small)', () => {
  it('prints one JSON object with every figure, no errors in the serving runs', {
    timeout: 180_000,
  }, async () => {
    const res = await runScript(
      'bench',
      ['--chunks', '1500', '--queries', '20', '--soak-seconds', '2', '--insights-records', '2000', '--json'],
      {
        REDIS_URL,
      },
    );
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(1); // --json: nothing else on stdout
    const r = JSON.parse(lines[0] as string) as Record<string, unknown>;
    for (const key of [
      'chunks',
      'build_s',
      'build_chunks_per_s',
      'raw_insert_per_s',
      'incremental_s',
      'incremental_cpu_s',
      'recall_at_10_after_updates',
      'query_p50_ms',
      'query_p99_ms',
      'recall_at_10',
      'peer_p50_ms',
      'speedup_vs_peer',
      'rss_mb',
      'insights_p95_ms',
      'insights_redis_mb',
      'overhead_p50_ms',
      'overhead_p99_ms',
      'load_chats',
      'load_errors',
      'load_overhead_p99_ms',
      'soak_chats',
      'soak_errors',
      'soak_rss_growth_pct',
      'soak_overhead_p99_ms',
      'safety_p99_ms',
      'safety_naive_p99_ms',
    ]) {
      expect(typeof r[key], key).toBe('number');
    }
    expect(r).toMatchObject({
      chunks: 1500,
      overhead_memory: 'redis',
      load_chats: 100,
      load_errors: 0,
      soak_errors: 0,
    });
    expect(['stock', 'avx2', 'avx512']).toContain(r.hnsw_build);
    expect(r.incremental_runs_s).toHaveLength(3);
    expect(r.recall_at_10 as number).toBeGreaterThanOrEqual(0.95); // 1,500 points: near exact
    expect(r.soak_chats as number).toBeGreaterThan(0);
    expect((r.ef_sweep as unknown[]).length).toBeGreaterThanOrEqual(5);
  });

  it('--incremental-only builds and times one-file updates (the --incremental-300k child run)', {
    timeout: 120_000,
  }, async () => {
    const res = await runScript('bench', ['--incremental-only', '--chunks', '1500', '--json'], {});
    expect(res.code, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout.trim()) as Record<string, unknown>;
    expect(r).toMatchObject({ chunks: 1500 });
    for (const key of ['build_s', 'incremental_s', 'incremental_cpu_s'])
      expect(typeof r[key], key).toBe('number');
    expect(r.incremental_runs_s).toHaveLength(3);
  });
});
