import { parseCli, runCli } from '../src/cli/run.js';
import { loadConfig } from '../src/config.js';
import { CopilotError } from '../src/errors.js';
import { runServingBench } from './serving-run.js';

const USAGE = `
Usage: tsx scripts/bench-serving.ts --knowledge DIR --index DIR [--load-chats 100] [--soak-concurrency 200] [--soak-seconds 60] [--redis URL]
The serving half of \`npm run bench\` (it runs this in its own process, so the soak's RSS is the
server's alone): pipeline overhead before the first token, a load run and a soak, against a fake
streaming model. Uses Redis database 15 of REDIS_URL (emptied before and after).`;

runCli(async () => {
  const { values } = parseCli(
    {
      knowledge: { type: 'string' },
      index: { type: 'string' },
      redis: { type: 'string' },
      'load-chats': { type: 'string', default: '100' },
      'soak-concurrency': { type: 'string', default: '200' },
      'soak-seconds': { type: 'string', default: '60' },
    },
    USAGE,
  );
  if (!values.knowledge || !values.index)
    throw new CopilotError('cli:usage', '--knowledge and --index are required.', { hint: USAGE });
  const config = loadConfig({ ...process.env, EMBEDDINGS: 'local' });
  const base = values.redis ?? config.redisUrl;
  let redisUrl: string | undefined;
  if (base) {
    const u = new URL(base);
    u.pathname = '/15';
    redisUrl = u.toString();
  }
  const result = await runServingBench({
    knowledgeDir: values.knowledge,
    indexDir: values.index,
    ...(redisUrl ? { redisUrl } : {}),
    hnsw: config.hnsw,
    loadChats: Number(values['load-chats']),
    soakConcurrency: Number(values['soak-concurrency']),
    soakSeconds: Number(values['soak-seconds']),
    log: (m) => process.stderr.write(`[bench] ${m}\n`),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Closed servers and clients can leave sockets draining for a while: the numbers are out.
  setTimeout(() => process.exit(0), 200).unref();
  return 0;
});
