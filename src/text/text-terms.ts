/**
 * Term extraction for the offline generator: Intl.Segmenter words (Chinese and English), light
 * English stemming, and CJK bigrams so Chinese matches even where word segmentation disagrees.
 */
const SEGMENTER = new Intl.Segmenter('zh', { granularity: 'word' });
const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;

const STOP_EN = new Set(
  (
    'a an the and or but if then so of to in on at by for with from about into over under as is are was were ' +
    'be been being am do does did done have has had can could should would will shall may might must i me my we ' +
    'our us you your he she it its they them their this that these those there here what which who whom whose ' +
    'when where why how not no yes any some all each per than too very just also only please tell know want need many much ' +
    'get got let s t'
  ).split(' '),
);
const STOP_ZH = new Set(
  '的 了 吗 呢 吧 啊 是 在 有 和 与 或 我 你 他 她 它 我们 你们 他们 怎么 怎样 什么 如何 可以 能否 是否 请问 一下 这个 那个 哪些 哪个 多少 需要 要求 我的 你的 么办 怎么办'.split(
    ' ',
  ),
);

/** Just enough stemming that "returned", "returns" and "return" meet; both sides are stemmed alike. */
function stem(word: string): string {
  if (/^\d/.test(word)) return word;
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  const cut = word.length > 5 && word.endsWith('ing') ? 3 : word.length > 4 && word.endsWith('ed') ? 2 : 0;
  if (cut > 0) return word.slice(0, -cut).replace(/([b-df-hj-np-tv-z])\1$/, '$1');
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

export function terms(text: string): Set<string> {
  const out = new Set<string>();
  for (const s of SEGMENTER.segment(text)) {
    if (!s.isWordLike) continue;
    const w = s.segment.toLowerCase();
    if (HAN.test(w)) {
      if (w.length >= 2 && !STOP_ZH.has(w)) out.add(w);
    } else if (/\d/.test(w) || (w.length > 1 && !STOP_EN.has(w))) {
      out.add(stem(w));
    }
  }
  for (const run of text.match(HAN_RUN) ?? []) {
    for (let i = 0; i + 2 <= run.length; i++) {
      const bigram = run.slice(i, i + 2);
      if (!STOP_ZH.has(bigram)) out.add(bigram);
    }
  }
  return out;
}

/** Words with their trailing spaces and punctuation, for streaming text in small pieces. */
export function wordPieces(text: string): string[] {
  const pieces: string[] = [];
  for (const s of SEGMENTER.segment(text)) {
    if (!s.isWordLike && pieces.length > 0) pieces[pieces.length - 1] += s.segment;
    else pieces.push(s.segment);
  }
  return pieces;
}
