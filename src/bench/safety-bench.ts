import { percentile, round } from '../retrieval/eval-metrics.js';
import { createSafetyMatcher, createSafetyStreamGuard, parseRules } from '../safety/index.js';
import { mulberry32 } from './corpus.js';

/**
 * The safety check's cost per streamed answer: 10,000 patterns (keywords in English and Chinese,
 * plus a few regexes), an answer of ~1,500 characters streamed in 4-character tokens through the
 * streaming guard. Beside it, a naive baseline: every pattern searched with `includes` per token.
 */
export function safetyBench(opts: { patterns?: number; answers?: number } = {}) {
  const nPatterns = opts.patterns ?? 10_000;
  const nAnswers = opts.answers ?? 300;
  const rand = mulberry32(14);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const han = '的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年';
  const word = (alphabet: string, min: number, span: number) =>
    Array.from(
      { length: min + Math.floor(rand() * span) },
      () => alphabet[Math.floor(rand() * alphabet.length)],
    ).join('');
  const lines: string[] = [];
  for (let i = 0; i < nPatterns - 4; i++)
    lines.push(i % 3 === 2 ? word(han, 4, 4) : `${word(letters, 6, 8)} ${word(letters, 4, 6)}`);
  lines.push(
    're:\\bbuy \\d+ fake reviews\\b',
    're:代开.{0,4}发票',
    're:\\b(?:launder|laundering) money\\b',
    're:stolen credit cards?',
  );
  const rules = parseRules(lines.join('\n'), 'bench.txt');
  const matcher = createSafetyMatcher(rules);
  const keywords = lines.filter((l) => !l.startsWith('re:'));
  const answer = () => {
    const parts: string[] = [];
    let len = 0;
    while (len < 1500) {
      const p = rand() < 0.8 ? `${word(letters, 2, 8)} ` : word(han, 2, 6);
      parts.push(p);
      len += p.length;
    }
    const text = parts.join('');
    const tokens: string[] = [];
    for (let i = 0; i < text.length; i += 4) tokens.push(text.slice(i, i + 4));
    return tokens;
  };
  const answers = Array.from({ length: nAnswers }, answer);
  const times: number[] = [];
  // Warm-up (JIT), untimed, as a server would be after its first answers.
  for (const tokens of answers.slice(0, 50)) {
    const guard = createSafetyStreamGuard(matcher);
    for (const tok of tokens) guard.push(tok);
    guard.end();
  }
  // CPU time too: on a loaded machine, wall-clock p99 mostly measures the scheduler.
  const cpu: number[] = [];
  for (const tokens of answers) {
    const c = process.cpuUsage();
    const t = performance.now();
    const guard = createSafetyStreamGuard(matcher);
    for (const tok of tokens) guard.push(tok);
    guard.end();
    times.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  const naive: number[] = [];
  for (const tokens of answers.slice(0, Math.min(30, nAnswers))) {
    const t = performance.now();
    let seen = '';
    for (const tok of tokens) {
      seen += tok;
      const window = seen.slice(-64).toLowerCase();
      for (const k of keywords) if (window.includes(k)) break;
    }
    naive.push(performance.now() - t);
  }
  return {
    safety_patterns: rules.length,
    safety_p50_ms: round(percentile(times, 50), 3),
    safety_p99_ms: round(percentile(times, 99), 3),
    safety_cpu_p99_ms: round(percentile(cpu, 99), 3),
    safety_naive_p99_ms: round(percentile(naive, 99), 3),
  };
}
