import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CopilotError } from '../../errors.js';
import { fmix32, fnv1a, fnvStep, normaliseText, STOPWORDS, scan, stem } from '../../text/local-text.js';
import type { Embedder } from '../types.js';
import { CJK_LEXICON_SEED, type ConceptIndex, compileConcepts } from './concepts.js';
import { FeatureBag } from './feature-bag.js';

/**
 * Offline, deterministic embedder: signed feature hashing of words, character n-grams and a
 * merchant concept lexicon (English + Chinese). No model weights, no corpus statistics.
 * Bump VERSION whenever features or weights change: the id goes into meta.json and the
 * embedding cache key, so old vectors are never mixed with new ones.
 */
const VERSION = 'local-hash-v1';
const DEFAULT_DIMENSIONS = 384;

// One seed per feature kind, so the word "ab" and the bigram "ab" land in different buckets.
const SEED_WORD = 0x811c9dc5;
const SEED_TRIGRAM = 0x2545f491;
const SEED_CJK_UNIGRAM = 0x1b873593;
const SEED_CJK_BIGRAM = 0x7f4a7c15;

// Weights: without IDF, short tokens are the least informative, trigrams only rescue typos,
// and a CJK character alone says less than a bigram (most Chinese words are two characters).
const W_WORD = 1;
const W_WORD_LEN1 = 0.3;
const W_WORD_LEN2 = 0.6;
const W_TRIGRAM = 0.25;
const W_CJK_UNIGRAM = 0.4;
const W_CJK_BIGRAM = 1;
/** Texts per slice before yielding, so a big reindex does not stall the HTTP server. */
const SLICE = 256;

/** Particles and pronouns that carry no topic on their own (their bigrams are kept). */
const CJK_STOP = new Set(
  [...'的了是在我你他她它们吗呢吧啊和与及或也都就这那有个么之着过把被'].map((c) => c.charCodeAt(0)),
);

function addConcepts(bag: FeatureBag, concepts: ConceptIndex, list: number[] | undefined): void {
  if (!list) return;
  for (const c of list) bag.add(fmix32(concepts.conceptHashes[c]!), concepts.conceptWeights[c]!);
}

/** Everything about a Latin word that does not depend on its neighbours, computed once. */
interface WordInfo {
  stem: string;
  /** Mixed feature keys (word, then trigrams) and their weights. */
  keys: Int32Array;
  weights: Float32Array;
  concepts: number[] | undefined;
}

/** Vocabulary is Zipfian, so a bounded cache removes most stemming and hashing work. */
const WORD_CACHE_LIMIT = 50_000;

function describeWord(w: string, concepts: ConceptIndex): WordInfo {
  const st = stem(w);
  // Boundary-padded trigrams ("#refund#") so prefixes and suffixes count; they rescue typos.
  const trigrams = w.length >= 4 ? w.length : 0;
  const keys = new Int32Array(1 + trigrams);
  const weights = new Float32Array(1 + trigrams).fill(W_TRIGRAM);
  keys[0] = fmix32(fnv1a(st, SEED_WORD));
  weights[0] = w.length === 1 ? W_WORD_LEN1 : w.length === 2 ? W_WORD_LEN2 : W_WORD;
  for (let i = 0; i < trigrams; i++) {
    const a = i === 0 ? 35 : w.charCodeAt(i - 1);
    const c = i + 1 < w.length ? w.charCodeAt(i + 1) : 35;
    keys[i + 1] = fmix32(fnvStep(fnvStep(fnvStep(SEED_TRIGRAM, a), w.charCodeAt(i)), c));
  }
  return { stem: st, keys, weights, concepts: concepts.single.get(st) };
}

function featurise(
  text: string,
  bag: FeatureBag,
  concepts: ConceptIndex,
  cache: Map<string, WordInfo>,
): void {
  // Phrase window over non-stopword stems ("send it back" → "send back"); reset by CJK runs.
  let prev1: string | undefined;
  let prev2: string | undefined;
  scan(normaliseText(text), {
    word(w) {
      if (STOPWORDS.has(w)) return;
      let info = cache.get(w);
      if (info === undefined) {
        if (cache.size >= WORD_CACHE_LIMIT) cache.clear();
        info = describeWord(w, concepts);
        cache.set(w, info);
      }
      for (let i = 0; i < info.keys.length; i++) bag.add(info.keys[i]!, info.weights[i]!);
      addConcepts(bag, concepts, info.concepts);
      const st = info.stem;
      if (prev1 !== undefined && concepts.phraseStarts.has(prev1)) {
        addConcepts(bag, concepts, concepts.phrase.get(`${prev1} ${st}`));
      }
      if (prev2 !== undefined && concepts.phraseStarts.has(prev2)) {
        addConcepts(bag, concepts, concepts.phrase.get(`${prev2} ${prev1} ${st}`));
      }
      prev2 = prev1;
      prev1 = st;
    },
    cjk(s, start, end) {
      prev1 = undefined;
      prev2 = undefined;
      for (let i = start; i < end; i++) {
        const c = s.charCodeAt(i);
        if (!CJK_STOP.has(c)) bag.add(fmix32(fnvStep(SEED_CJK_UNIGRAM, c)), W_CJK_UNIGRAM);
        if (i + 1 < end)
          bag.add(fmix32(fnvStep(fnvStep(SEED_CJK_BIGRAM, c), s.charCodeAt(i + 1))), W_CJK_BIGRAM);
        if (concepts.cjkStart[c] !== 1) continue;
        // Rolling hash over 1..max characters; matches the lexicon's fnv1a(term) exactly.
        let h = CJK_LEXICON_SEED;
        for (let n = 0; n < concepts.cjkMaxLength && i + n < end; n++) {
          h = fnvStep(h, s.charCodeAt(i + n));
          addConcepts(bag, concepts, concepts.cjk.get(h));
        }
      }
    },
  });
}

export function createLocalEmbedder(opts: { dimensions?: number } = {}): Embedder {
  const dimensions = opts.dimensions ?? DEFAULT_DIMENSIONS;
  if (!Number.isInteger(dimensions) || dimensions < 8) {
    throw new CopilotError(
      'config:invalid',
      `Local embeddings need at least 8 dimensions, got ${dimensions}.`,
      {
        hint: 'Set EMBEDDING_DIMENSIONS to an integer of 8 or more, or unset it (default 384).',
      },
    );
  }
  const concepts = compileConcepts();
  const bag = new FeatureBag();
  const wordCache = new Map<string, WordInfo>();
  const embed = (text: string): number[] => {
    bag.reset();
    featurise(text, bag, concepts, wordCache);
    return bag.toVector(dimensions);
  };
  return {
    id: `${VERSION}:${dimensions}`,
    dimensions,
    async embedDocuments(texts) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += SLICE) {
        if (i > 0) await yieldToEventLoop();
        for (const text of texts.slice(i, i + SLICE)) out.push(embed(text));
      }
      return out;
    },
    async embedQuery(text) {
      return embed(text);
    },
  };
}
