import type { Language } from '../domain/llm.js';

const HAN = /\p{Script=Han}/gu;
const LATIN_WORD = /[A-Za-z]+/g;

/**
 * 'zh' when Chinese carries a meaningful share of the text, else 'en'.
 * One Han character carries about as much meaning as one English word, so we compare Han
 * characters with Latin words (not letters): "SKU-100 的退货政策" is Chinese, while
 * "What does 退货 mean?" is an English question quoting a term.
 */
export function detectLanguage(text: string): Language {
  const han = text.match(HAN)?.length ?? 0;
  if (han === 0) return 'en';
  const words = text.match(LATIN_WORD)?.length ?? 0;
  return han >= words ? 'zh' : 'en';
}

export function languageName(language: Language): string {
  return language === 'zh' ? 'Chinese (中文)' : 'English';
}
