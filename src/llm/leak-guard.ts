/**
 * Output guard against prompt leaks. The system prompt tells the model never
 * to reveal its rules, but a model can be talked into it; this makes sure that even then the
 * rules never reach a user. A "leak" is a verbatim span of a protected text (the system prompts
 * and the fixed parts of the prompt templates) at least MIN_LEAK long, compared case-insensitively
 * with whitespace runs collapsed (models re-wrap lines). CJK characters weigh 2, since one carries
 * about as much as two Latin letters.
 *
 * Streaming: the guard holds back the longest tail of the output that is still a piece of a
 * protected text. That tail is always shorter than a leak (else it has tripped), so a user sees
 * at most harmless fragments, never a leak span, and ordinary answers are delayed by only the few
 * characters they happen to share with the prompt. Once tripped, everything after is swallowed
 * and the caller replaces the answer.
 */
export const MIN_LEAK = 60;

const CJK = /[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/u;

function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ');
}

function weight(text: string): number {
  let w = 0;
  for (const ch of text) w += CJK.test(ch) ? 2 : 1;
  return w;
}

export interface LeakGuard {
  /** Feed output; returns what is safe to show now (maybe ''). */
  push(text: string): string;
  /** Output ended: returns the held tail when it was not a leak. */
  end(): string;
  readonly tripped: boolean;
}

export function createLeakGuard(protectedTexts: readonly string[], minLeak = MIN_LEAK): LeakGuard {
  const texts = protectedTexts.map(normalize).filter((t) => weight(t) >= minLeak);
  const isPiece = (s: string) => {
    const n = normalize(s);
    return texts.some((t) => t.includes(n));
  };
  let held = '';
  let tripped = false;
  return {
    get tripped() {
      return tripped;
    },
    push(text) {
      if (tripped || texts.length === 0) return tripped ? '' : text;
      let out = '';
      // Per character: a leak can end in the middle of a piece, so every end position is checked.
      for (const ch of text) {
        held += ch;
        while (held !== '' && !isPiece(held)) {
          const first = held.codePointAt(0)! > 0xffff ? 2 : 1;
          out += held.slice(0, first);
          held = held.slice(first);
        }
        if (weight(normalize(held)) >= minLeak) {
          tripped = true;
          held = '';
          return out;
        }
      }
      return out;
    },
    end() {
      const rest = tripped ? '' : held;
      held = '';
      return rest;
    },
  };
}

/** Whole-text check: does `text` contain a leak span of any protected text? */
export function leaksProtectedText(
  text: string,
  protectedTexts: readonly string[],
  minLeak = MIN_LEAK,
): boolean {
  const guard = createLeakGuard(protectedTexts, minLeak);
  guard.push(text);
  return guard.tripped;
}

/** The fixed parts of a template: the text between `{{placeholders}}`. */
export function templateFragments(template: string): string[] {
  return template.split(/\{\{[A-Za-z_][A-Za-z0-9_]*\}\}/);
}
