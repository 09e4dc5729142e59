import { randomUUID } from 'node:crypto';
import { buildApp } from '../src/app/build.js';
import { envWith, parseCli, runCli } from '../src/cli/run.js';
import { loadConfig } from '../src/config.js';
import { CopilotError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';

const USAGE = `
Usage: npm run ask -- [--knowledge DIR] [--index DIR] [--space S] [--json] "question"
Answers once in the terminal, streaming the answer as it is written. With --json, prints one JSON
object {answerId, kind, decision, cached, answer, sources, clarify?, handoff?, usage} instead.
Without --space: the default space (or the only one).`;

runCli(async () => {
  const { values, positionals } = parseCli(
    {
      knowledge: { type: 'string' },
      index: { type: 'string' },
      space: { type: 'string' },
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
  const conversationId = randomUUID();
  try {
    const outcome = await app.conversation.ask(
      {
        conversation: { key: `cli:${conversationId}`, id: conversationId, origin: { surface: 'cli' } },
        message: question,
        // The operator's terminal: every space, private ones too; no rate limit.
        space: { name: values.space, includePrivate: true },
        rateKey: null,
      },
      (e) => {
        if (values.json) return;
        if (e.type === 'token') process.stdout.write(e.text);
        if (e.type === 'error') process.stderr.write(`\n${e.message}\n`);
      },
    );
    if (outcome.kind === 'refused' && outcome.error) {
      throw new CopilotError(outcome.error.code, outcome.error.message, {
        ...(outcome.error.hint ? { hint: outcome.error.hint } : {}),
      });
    }
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({
          answerId: outcome.answerId,
          kind: outcome.kind,
          decision: outcome.decision,
          cached: outcome.cached,
          answer: outcome.text,
          sources: outcome.sources,
          ...(outcome.clarify ? { clarify: outcome.clarify } : {}),
          ...(outcome.ticket
            ? { handoff: { handoffId: outcome.ticket.id, reason: outcome.ticket.reason } }
            : {}),
          usage: outcome.usage,
        })}\n`,
      );
      return 0;
    }
    process.stdout.write('\n');
    for (const [i, o] of (outcome.clarify ?? []).entries()) {
      process.stdout.write(`  ${i + 1}. ${o.label} (${o.source})\n`);
    }
    if (outcome.sources.length) {
      process.stdout.write('\nSources:\n');
      for (const s of outcome.sources) {
        const where = [s.headingPath?.join(' > '), s.page ? `p.${s.page}` : ''].filter(Boolean).join(', ');
        process.stdout.write(`  [${s.n}] ${s.title} (${s.source}${where ? `, ${where}` : ''})\n`);
      }
    }
    return 0;
  } finally {
    await app.close();
  }
});
