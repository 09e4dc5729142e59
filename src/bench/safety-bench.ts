import { percentile, round } from '../retrieval/eval-metrics.js';
import { createSafetyGuard, SafetyMatcher } from '../safety/matcher.js';
import { parseSafetyList } from '../safety/rules.js';
import { mulberry32 } from './corpus.js';

export interface SafetyBenchOptions {
  /** Keyword patterns in the list (half English-like, half Chinese). Default 10,000. */
  patterns?: number;
  /** Streamed answers timed through the guard. Default 300. */
  answers?: number;
  /** Answers timed through the naive baseline (slow). Default 20. */
  naiveAnswers?: number;
  /** Characters per answer. Default 1,500. */
  answerChars?: number;
  seed?: number;
}

export interface SafetyBenchResult {
  safety_patterns: number;
  safety_answer_chars: number;
  safety_tokens_per_answer: number;
  /** Whole answer through createSafetyGuard (every token pushed, then end), per answer. */
  safety_p50_ms: number;
  safety_p99_ms: number;
  /** CPU time of the process per answer (user + system). */
  safety_cpu_p50_ms: number;
  safety_cpu_p99_ms: number;
  /** Baseline: every pattern `includes`-checked against each token's window, per answer. */
  safety_naive_p50_ms: number;
  safety_naive_p99_ms: number;
  safety_speedup_vs_naive: number;
}

const WORDS = (
  'order refund return window delivery kettle warranty label courier invoice customer days within ' +
  'policy store credit exchange damaged item parcel tracking address weekend support ticket price ' +
  'discount shipping free standard express 退货 退款 订单 快递 发票 保修 商品 客服 七天 无理由'
).split(' ');

/** A pattern that plain answer text never contains: rare letters, or rare CJK characters. */
function pattern(rand: () => number, i: number): string {
  if (i % 2 === 0) {
    const len = 6 + Math.floor(rand() * 10);
    let s = '';
    for (let k = 0; k < len; k++) s += 'qxzjvkwy'[Math.floor(rand() * 8)];
    return s;
  }
  const len = 3 + Math.floor(rand() * 4);
  let s = '';
  for (let k = 0; k < len; k++) s += String.fromCodePoint(0x9f00 + Math.floor(rand() * 0xa0));
  return s;
}

function answer(rand: () => number, chars: number): string {
  let s = '';
  while (s.length < chars) s += `${WORDS[Math.floor(rand() * WORDS.length)]}${rand() < 0.1 ? '. ' : ' '}`;
  return s.slice(0, chars);
}

/** Small tokens, as models stream them: 2–6 characters. */
export function tokenise(text: string, rand: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = 2 + Math.floor(rand() * 5);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

export function safetyBench(opts: SafetyBenchOptions = {}): SafetyBenchResult & { caught: boolean[] } {
  const rand = mulberry32(opts.seed ?? 11);
  const nPatterns = opts.patterns ?? 10_000;
  const chars = opts.answerChars ?? 1500;
  const list = Array.from({ length: nPatterns }, (_, i) => pattern(rand, i));
  const matcher = new SafetyMatcher(parseSafetyList('bench', list.join('\n')));
  const answers = Array.from({ length: opts.answers ?? 300 }, () => tokenise(answer(rand, chars), rand));
  const naiveAnswers = answers.slice(0, opts.naiveAnswers ?? 20);
  const keep = Math.max(...list.map((p) => p.length)) * 2;

  const guarded = (tokens: string[]) => {
    const guard = createSafetyGuard(matcher);
    for (const t of tokens) guard.push(t);
    guard.end();
    return guard.hit !== null;
  };
  const naive = (tokens: string[]) => {
    let tail = '';
    for (const t of tokens) {
      const seen = (tail + t).toLowerCase();
      for (const p of list) if (seen.includes(p)) return true;
      tail = seen.slice(-keep);
    }
    return false;
  };
  // Wall time per answer, and the CPU time of this process for it (on a shared, loaded machine the
  // wall-time tail is mostly the scheduler preempting the process, which CPU time leaves out).
  const time = (run: (tokens: string[]) => boolean, set: string[][]) => {
    for (const a of set.slice(0, 30)) run(a); // warm-up (JIT)
    const wall: number[] = [];
    const cpu: number[] = [];
    for (const a of set) {
      const c = process.cpuUsage();
      const t = performance.now();
      if (run(a)) throw new Error('bench answer matched a pattern: generator bug');
      wall.push(performance.now() - t);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
    }
    return { wall, cpu };
  };
  const { wall: g, cpu: gCpu } = time(guarded, answers);
  const { wall: n } = time(naive, naiveAnswers);

  // Both must catch a pattern split across tokens (the figures compare equal work).
  const planted = (p: string) => {
    const text = answer(rand, chars);
    const at = Math.floor(text.length / 2);
    return tokenise(`${text.slice(0, at)}${p}${text.slice(at)}`, rand);
  };
  const caught = [list[0] as string, list[1] as string, list[nPatterns - 1] as string].flatMap((p) => [
    guarded(planted(p)),
    naive(planted(p)),
  ]);

  const p50 = percentile(g, 50);
  const n50 = percentile(n, 50);
  return {
    safety_patterns: nPatterns,
    safety_answer_chars: chars,
    safety_tokens_per_answer: Math.round(answers.reduce((s, a) => s + a.length, 0) / answers.length),
    safety_p50_ms: round(p50, 4),
    safety_p99_ms: round(percentile(g, 99), 4),
    safety_cpu_p50_ms: round(percentile(gCpu, 50), 4),
    safety_cpu_p99_ms: round(percentile(gCpu, 99), 4),
    safety_naive_p50_ms: round(n50, 3),
    safety_naive_p99_ms: round(percentile(n, 99), 3),
    safety_speedup_vs_naive: Math.round(n50 / Math.max(p50, 1e-4)),
    caught,
  };
}
