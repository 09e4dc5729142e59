import { describe, expect, it } from 'vitest';
import { runScript } from '../helpers/cli.js';
import { redisServerInstalled } from '../helpers/redis-server.js';

describe.skipIf(!redisServerInstalled())('npm run bench -- --insights-only', () => {
  it('reports insights_p95_ms and the records memory from a private Redis, with a small record count', async () => {
    const r = await runScript('bench', ['--insights-only', '--insights-records', '3000', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(out.insights_records).toBe(3000);
    // Every record written is counted by the 90-day dashboard.
    expect(out.insights_counted).toBe(3000);
    expect(out.insights_p95_ms).toBeGreaterThan(0);
    expect(out.insights_redis_mb).toBeGreaterThan(0);
    const bad = await runScript('bench', ['--insights-only', '--insights-records', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--insights-records must be a positive integer/);
  }, 120_000);
});
