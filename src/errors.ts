/**
 * One error type for the whole app. `code` is `kind:surface`, e.g. `index:missing`,
 * `config:invalid`, `llm:rate_limited`. `hint` is the short, user-safe way forward;
 * the original error is kept as `cause` for logs (never shown to users).
 */
export class CopilotError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly status: number;

  constructor(code: string, message: string, opts: { cause?: unknown; hint?: string; status?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CopilotError';
    this.code = code;
    this.hint = opts.hint;
    this.status = opts.status ?? 500;
  }

  get kind(): string {
    return this.code.split(':')[0] ?? this.code;
  }
}

export function isCopilotError(err: unknown, code?: string): err is CopilotError {
  return err instanceof CopilotError && (code === undefined || err.code === code);
}

/** A message safe to show a user or print in a CLI: message plus the hint, no stack. */
export function userMessage(err: unknown): string {
  if (err instanceof CopilotError) return err.hint ? `${err.message} ${err.hint}` : err.message;
  return 'Something went wrong on our side.';
}
