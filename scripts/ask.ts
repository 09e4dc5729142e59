import { randomUUID } from 'node:crypto';
import { buildApp } from '../src/app/build.js';
import { envWith, parseCli, runCli } from '../src/cli/run.js';
import { loadConfig } from '../src/config.js';
import type { CopilotEvent } from '../src/domain/copilot.js';
import { CopilotError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';

const USAGE = `
Usage: npm run ask -- [--knowledge DIR] [--index DIR] [--space S] [--json] "question"
Answers once in the terminal, streaming the answer as it is written. With --json, prints one JSON
object {answerId, decision, cached, answer, sources, clarify?, handoff?, usage} instead.`;

runCli(async () => {
  const { values, positionals } = parseCli(
    {
      knowledge: { type: 'string' },
      index: { type: 'string' },
      space: { type: 'string', default: 'default' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const question = positionals.join(' ').trim();
  if (!question) throw new CopilotError('cli:usage', 'Give a question to ask.', { hint: USAGE });
  const config = loadConfig(envWith(values));
  const logger = createLogger({
    level: values.json ? 'warn' : config.logLevel === 'info' ? 'warn' : config.logLevel,
  });
  const app = await buildApp(config, logger);
  const events: CopilotEvent[] = [];
  const conversationId = randomUUID();
  try {
    const record = await app.copilot.ask(
      {
        message: question,
        conversationKey: `cli:${conversationId}`,
        conversationId,
        space: values.space ?? 'default',
        origin: { surface: 'cli' },
      },
      (e) => {
        events.push(e);
        if (values.json) return;
        if (e.type === 'token') process.stdout.write(e.text);
        if (e.type === 'error') process.stderr.write(`\n${e.message}\n`);
      },
    );
    const clarify = events.find((e) => e.type === 'clarify');
    const handoff = events.find((e) => e.type === 'handoff');
    const done = events.find((e) => e.type === 'done');
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({
          answerId: record.id,
          decision: record.decision,
          cached: done?.type === 'done' ? done.cached : false,
          answer: record.answer,
          sources: record.sources,
          ...(clarify?.type === 'clarify' ? { clarify: clarify.options } : {}),
          ...(handoff?.type === 'handoff'
            ? { handoff: { handoffId: handoff.handoffId, reason: handoff.reason } }
            : {}),
          usage: record.usage ?? null,
        })}\n`,
      );
      return 0;
    }
    process.stdout.write('\n');
    if (clarify?.type === 'clarify') {
      for (const [i, o] of clarify.options.entries())
        process.stdout.write(`  ${i + 1}. ${o.label} (${o.source})\n`);
    }
    if (record.sources.length) {
      process.stdout.write('\nSources:\n');
      for (const s of record.sources) {
        const where = [s.headingPath?.join(' > '), s.page ? `p.${s.page}` : ''].filter(Boolean).join(', ');
        process.stdout.write(`  [${s.n}] ${s.title} (${s.source}${where ? `, ${where}` : ''})\n`);
      }
    }
    return 0;
  } finally {
    await app.close();
  }
});
