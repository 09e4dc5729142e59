import type { Server } from 'node:http';
import { buildApp } from './app/build.js';
import { limitHeapGrowth, settleHeap } from './app/heap.js';
import { attachSlack } from './app/slack.js';
import { loadConfig } from './config.js';
import { CopilotError, userMessage } from './errors.js';
import { createLogger } from './logger.js';

/** Composition root: loadConfig → adapters → http app (+ Slack) → listen. */
async function main(): Promise<void> {
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowingPercent);
  const logger = createLogger({ level: config.logLevel, destination: 'stdout', name: 'copilot' });
  const app = await buildApp(config, logger);
  const slack = await attachSlack(app, logger);
  settleHeap();
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.http.app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    {
      url: `http://${config.host}:${port}`,
      ...app.modes,
      howToChange: {
        llm:
          config.llm.provider === 'offline'
            ? 'set OPENAI_API_KEY (or OPENAI_BASE_URL) for model answers'
            : undefined,
        embeddings:
          config.embeddings.kind === 'local'
            ? 'EMBEDDINGS=openai uses OpenAI embeddings (then npm run ingest)'
            : undefined,
        memory:
          app.stores.mode === 'in-process'
            ? 'set REDIS_URL to share memory across restarts and replicas'
            : undefined,
        slack: config.slack.enabled
          ? undefined
          : 'set SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) to enable Slack',
      },
    },
    `merchant-copilot ready on http://${config.host}:${port}`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      Promise.resolve(slack?.stop())
        .catch(() => {})
        .then(() => app.close())
        .finally(() => process.exit(0));
    });
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  const code = err instanceof CopilotError ? err.code : 'internal:error';
  process.stderr.write(`merchant-copilot could not start [${code}]: ${userMessage(err)}\n`);
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof Error) process.stderr.write(`  cause: ${cause.message}\n`);
  process.exit(1);
});
