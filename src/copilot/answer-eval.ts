import MiniSearch from 'minisearch';
import type { PromptPassage } from '../domain/llm.js';
import { createOfflineGenerator, sentences } from '../llm/offline.js';
import type { LoadedIndex } from '../retrieval/index-reader.js';
import { processTerm, tokenize } from '../retrieval/lexical.js';
import { detectLanguage } from '../text/language.js';
import { isNoAnswer } from '../text/postprocess.js';
import { decide } from './decide.js';
import { gatherEvidence } from './evidence.js';
import { dedupePerSource } from './sources.js';

/**
 * What `npm run eval -- --answers` scores: the offline answer path as the copilot runs it
 * (retrieve, per-source dedup, answer/escalate decision, extractive generator), and a baseline
 * that answers with the three best BM25 sentences of the best lexical passages.
 */
export interface AnswerCase {
  question: string;
  /** Text every answer must contain (case-insensitive; `a|b` = either); empty for off-topic questions. */
  facts: string[];
  /** The knowledge base cannot answer it: escalating is right. */
  offTopic?: boolean;
  space?: string;
}

export interface AnswerOutcome {
  escalated: boolean;
  text: string;
}

export type Answerer = (c: AnswerCase) => Promise<AnswerOutcome>;

const TOP_K = 6;
const PER_SOURCE = 3;

export function offlineAnswerer(index: LoadedIndex, minScore: number): Answerer {
  const generator = createOfflineGenerator();
  return async (c) => {
    const space = c.space ?? 'default';
    const hits = await index.search(c.question, { space, k: TOP_K * 3 });
    const top = dedupePerSource(hits, PER_SOURCE, TOP_K);
    const evidence = gatherEvidence(c.question, top, index.space(space));
    const decision = decide(c.question, top, { minScore, evidence });
    if (decision.decision === 'escalate') return { escalated: true, text: '' };
    const passages: PromptPassage[] = top.map((h, i) => ({
      n: i + 1,
      title: h.chunk.title,
      source: h.chunk.source,
      text: h.chunk.text,
    }));
    const result = await generator.generate(
      { question: c.question, language: detectLanguage(c.question), passages, history: [], messages: [] },
      () => {},
    );
    return isNoAnswer(result.text) ? { escalated: true, text: '' } : { escalated: false, text: result.text };
  };
}

/** Baseline: the three sentences of the top lexical passages with the best BM25 score. */
export function bm25SentencesAnswerer(index: LoadedIndex): Answerer {
  return async (c) => {
    const space = c.space ?? 'default';
    const hits = await index.search(c.question, { space, k: TOP_K, mode: 'lexical' });
    const docs = hits.flatMap((h, i) =>
      sentences(h.chunk.text).map((text, j) => ({ id: `${i}:${j}`, text })),
    );
    if (docs.length === 0) return { escalated: true, text: '' };
    const ms = new MiniSearch<{ id: string; text: string }>({
      fields: ['text'],
      storeFields: ['text'],
      tokenize,
      processTerm: (t) => processTerm(t) ?? null,
    });
    ms.addAll(docs);
    const best = ms.search(c.question, { combineWith: 'OR' }).slice(0, 3);
    if (best.length === 0) return { escalated: true, text: '' };
    return { escalated: false, text: best.map((r) => r.text as string).join(' ') };
  };
}

const normalise = (s: string): string =>
  s.toLowerCase().replace(/\*\*/g, '').replace(/\s+/g, ' ').replace(/[–—]/g, '-');

/** Every fact is in the text; a fact may list alternatives ("30 days|30 calendar days"). */
export function hasFacts(text: string, facts: string[]): boolean {
  const t = normalise(text);
  return facts.every((f) => f.split('|').some((alt) => t.includes(normalise(alt))));
}

export interface AnswerScores {
  /** Answerable questions whose answer holds every required fact. */
  fact_hit_rate: number;
  /** Answerable questions that were escalated instead of answered. */
  false_escalations: number;
  /** Off-topic questions escalated (higher is better), over the off-topic count. */
  offtopic_escalations: number;
  offtopic: number;
  answerable: number;
}

export async function scoreAnswers(cases: AnswerCase[], answer: Answerer): Promise<AnswerScores> {
  let hits = 0;
  let falseEsc = 0;
  let offEsc = 0;
  let off = 0;
  for (const c of cases) {
    const out = await answer(c);
    if (c.offTopic) {
      off++;
      if (out.escalated) offEsc++;
    } else if (out.escalated) falseEsc++;
    else if (hasFacts(out.text, c.facts)) hits++;
  }
  const answerable = cases.length - off;
  return {
    fact_hit_rate: answerable ? Math.round((hits / answerable) * 1000) / 1000 : 0,
    false_escalations: falseEsc,
    offtopic_escalations: offEsc,
    offtopic: off,
    answerable,
  };
}
