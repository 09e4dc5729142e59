import path from 'node:path';
import type { LoadedDoc } from '../../domain/documents.js';
import { CopilotError } from '../../errors.js';

/** What a loader needs to know about the file it reads (a subset of scan's KnowledgeFile). */
export interface FileRef {
  source: string;
  space: string;
}

export function unreadable(reason: string, cause?: unknown): CopilotError {
  return new CopilotError('ingest:unreadable', reason, cause === undefined ? {} : { cause });
}

/**
 * Decode a text-format file strictly: NUL bytes mean a binary file with a text extension, and
 * invalid UTF-8 is reported instead of being indexed as U+FFFD garbage. Line endings become \n.
 */
export function decodeText(buffer: Uint8Array, source: string): string {
  const ext = path.extname(source).toLowerCase() || '(no extension)';
  if (buffer.includes(0)) throw unreadable(`binary content in a text file (${ext})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch (err) {
    throw unreadable('not valid UTF-8 text (save the file as UTF-8)', err);
  }
  text = text.replace(/\r\n?/g, '\n');
  if (text.trim() === '') throw unreadable('empty file');
  return text;
}

/** "shipping-policy_v2.md" → "Shipping policy v2", "faq.csv" → "FAQ". */
export function humanizeName(source: string): string {
  const base = path.posix.basename(source).replace(/\.[^.]+$/, '');
  const words = base
    .replace(/[-_.]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (words === '') return base || source;
  return (words.charAt(0).toUpperCase() + words.slice(1)).replace(/\bfaq\b/gi, 'FAQ');
}

/** Collapse runs of blank lines and trailing spaces; keeps line structure (lists, tables). */
export function tidy(text: string): string {
  return text
    .split('\n')
    .map(trimEndBlanks)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Trailing spaces and tabs off one line, in linear time. The obvious /[ \t]+$/gm is quadratic on a
 * long run of spaces that does not end the line (the engine retries from every space): one 100 KB
 * line of spaces and a letter took over a minute and blocked the server that was reindexing.
 */
function trimEndBlanks(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  return end === line.length ? line : line.slice(0, end);
}

export function loadText(buffer: Uint8Array, file: FileRef): LoadedDoc {
  const text = tidy(decodeText(buffer, file.source));
  const firstLine = text.split('\n', 1)[0]?.trim() ?? '';
  return {
    space: file.space,
    source: file.source,
    format: 'txt',
    title: firstLine !== '' && firstLine.length < 100 ? firstLine : humanizeName(file.source),
    tags: [],
    meta: {},
    sections: [{ text }],
  };
}
