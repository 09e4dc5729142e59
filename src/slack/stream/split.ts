import { isHighSurrogate } from '../text.js';

const SEPARATORS = ['\n\n', '\n', '. ', '。', '！', '？', '! ', '? ', '; ', ' '];

/**
 * Where to cut `text` so the first part is at most `max` long: at a paragraph, line, sentence or
 * word boundary in the last 40% of the window when there is one, never inside a `<…>` Slack token
 * and never between the two halves of a surrogate pair. Concatenating the parts gives back the text.
 */
export function cutPoint(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const floor = Math.floor(max * 0.6);
  const window = text.slice(0, max);
  let cut = max;
  for (const sep of SEPARATORS) {
    const i = window.lastIndexOf(sep);
    if (i >= floor) {
      cut = i + sep.length;
      break;
    }
  }
  const lt = text.lastIndexOf('<', cut - 1);
  if (lt > 0 && cut - lt < 200 && text.lastIndexOf('>', cut - 1) < lt) cut = lt;
  if (cut > 1 && isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
  return Math.max(1, cut);
}

/** Splits text into parts of at most `max` characters at good boundaries (see cutPoint). */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = cutPoint(rest, max);
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}
