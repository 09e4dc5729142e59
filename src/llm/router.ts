import type { AnswerGenerator, GenerateResult, Language } from '../domain/llm.js';
import { isCopilotError } from '../errors.js';
import { isNoAnswer } from '../text/postprocess.js';

/** Errors after which the next model of the chain is tried, when no token was shown yet. */
const FALL_THROUGH = new Set(['llm:rate_limited', 'llm:timeout', 'llm:failed', 'llm:stream_cut']);

const OFFLINE_NOTE: Record<Language, string> = {
  en: '\n\n_(Offline answer: the language models are unavailable right now, so these are quoted passages. Ask for a teammate if this does not help.)_',
  zh: '\n\n_（离线回答：语言模型暂时不可用，以上为知识库原文摘录。如果没有帮助，可以请求转人工。）_',
};

export type AttemptOutcome = 'ok' | 'fallback' | 'failed';

export interface FallbackOptions {
  /** Models in the order they are tried. */
  chain: readonly AnswerGenerator[];
  /** After every model failed: extractive answer, marked. Omit to throw the last error instead. */
  offline?: AnswerGenerator;
  /** Metrics: one call per attempt, with the model, its place in the chain (0 = first) and the outcome. */
  observe?: (model: string, step: number, outcome: AttemptOutcome) => void;
}

/**
 * The generator port over a fallback chain. On 429, 5xx, timeout or a stream cut before the first
 * token, the next model answers; once a token was shown, the error stands (the text cannot be
 * taken back). The result names the model that answered, for cost and the answer record.
 */
export function createFallbackGenerator(opts: FallbackOptions): AnswerGenerator {
  const [first] = opts.chain;
  if (!first) throw new Error('createFallbackGenerator: empty chain');
  return {
    id: opts.chain.length > 1 || opts.offline ? 'router' : first.id,
    model: first.model,
    async generate(req, onToken): Promise<GenerateResult> {
      let lastErr: unknown;
      for (const [step, gen] of opts.chain.entries()) {
        let shown = false;
        try {
          const result = await gen.generate(req, (t) => {
            shown = true;
            onToken(t);
          });
          opts.observe?.(gen.model, step, 'ok');
          return { ...result, model: gen.model };
        } catch (err) {
          lastErr = err;
          const next = !shown && !req.signal?.aborted && FALL_THROUGH.has(codeOf(err));
          opts.observe?.(gen.model, step, next ? 'fallback' : 'failed');
          if (!next) throw err;
        }
      }
      if (!opts.offline) throw lastErr;
      const result = await opts.offline.generate(req, onToken);
      opts.observe?.(opts.offline.model, opts.chain.length, 'ok');
      if (!isNoAnswer(result.text)) {
        const note = OFFLINE_NOTE[req.language];
        onToken(note);
        return { text: result.text + note, model: opts.offline.model };
      }
      return { ...result, model: opts.offline.model };
    },
    async condense(question, history, language, signal) {
      for (const gen of opts.chain) {
        try {
          return await gen.condense(question, history, language, signal);
        } catch (err) {
          if (signal?.aborted || !FALL_THROUGH.has(codeOf(err))) throw err;
        }
      }
      if (opts.offline) return opts.offline.condense(question, history, language, signal);
      return question;
    },
  };
}

function codeOf(err: unknown): string {
  return isCopilotError(err) ? err.code : '';
}
