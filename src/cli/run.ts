import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CopilotError, userMessage } from '../errors.js';

/**
 * Shared CLI plumbing. Arguments are parsed with node:util parseArgs (built in, strict, no
 * dependency needed for flat flags). Errors print a short message and the fix on stderr,
 * never a stack trace (set DEBUG=1 to see one); stdout carries only results.
 */
export function parseCli<T extends NonNullable<ParseArgsConfig['options']>>(options: T, usage: string) {
  try {
    const parsed = parseArgs({
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
    if ((parsed.values as Record<string, unknown>).help) {
      process.stdout.write(`${usage.trim()}\n`);
      process.exit(0);
    }
    return parsed;
  } catch (err) {
    throw new CopilotError('cli:usage', (err as Error).message, { hint: `\n${usage.trim()}` });
  }
}

export function runCli(main: () => Promise<number | undefined>): void {
  // `npm run -s search -- --json … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (err: unknown) => {
      const code = err instanceof CopilotError ? err.code : 'internal:error';
      process.stderr.write(`error [${code}]: ${userMessage(err)}\n`);
      if (process.env.DEBUG) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

/** `--knowledge`/`--index` flags override KNOWLEDGE_DIR/INDEX_DIR before config is loaded. */
export function envWith(values: {
  knowledge?: string | undefined;
  index?: string | undefined;
}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (values.knowledge) env.KNOWLEDGE_DIR = values.knowledge;
  if (values.index) env.INDEX_DIR = values.index;
  return env;
}
