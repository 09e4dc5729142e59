import { parse } from 'csv-parse/sync';
import type { DocSection, LoadedDoc } from '../../domain/documents.js';
import { decodeText, type FileRef, humanizeName, unreadable } from './text.js';

interface Pairs {
  sections: DocSection[];
  invalid: number;
}

function pair(question: unknown, answer: unknown): DocSection | undefined {
  if (typeof question !== 'string' || typeof answer !== 'string') return undefined;
  const q = question.replace(/\s+/g, ' ').trim();
  const a = answer.replace(/\r\n?/g, '\n').trim();
  return q !== '' && a !== '' ? { question: q, text: a } : undefined;
}

function csvPairs(text: string): Pairs {
  let invalid = 0;
  let header: string[] = [];
  let rows: Record<string, unknown>[];
  try {
    rows = parse(text, {
      // Case-insensitive header names, any column order; other columns are ignored.
      columns: (names: string[]) => {
        header = names.map((n) => String(n).trim().toLowerCase());
        return header;
      },
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
      // A malformed record (e.g. a stray quote) costs that row, not the whole file.
      skip_records_with_error: true,
      on_skip: () => {
        invalid++;
        return undefined;
      },
    });
  } catch (err) {
    throw unreadable(`invalid CSV: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (!header.includes('question') || !header.includes('answer')) {
    throw unreadable(
      `FAQ CSV needs a header row with "question" and "answer" columns (found: ${header.join(', ')})`,
    );
  }
  const sections: DocSection[] = [];
  for (const row of rows) {
    const s = pair(row['question'], row['answer']);
    if (s) sections.push(s);
    else invalid++;
  }
  return { sections, invalid };
}

function jsonlPairs(text: string): Pairs {
  let invalid = 0;
  const sections: DocSection[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      invalid++;
      continue;
    }
    const obj = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    const s = pair(obj['question'], obj['answer']);
    if (s) sections.push(s);
    else invalid++;
  }
  return { sections, invalid };
}

/** FAQ file: `.csv` with question/answer columns or `.jsonl` lines of {question, answer}. */
export function loadFaq(buffer: Uint8Array, file: FileRef): LoadedDoc {
  const text = decodeText(buffer, file.source);
  const { sections, invalid } = file.source.toLowerCase().endsWith('.jsonl')
    ? jsonlPairs(text)
    : csvPairs(text);
  if (sections.length === 0) {
    throw unreadable(
      `no valid question/answer pairs (${invalid} invalid ${invalid === 1 ? 'row' : 'rows'}; each needs a non-empty question and answer)`,
    );
  }
  return {
    space: file.space,
    source: file.source,
    format: 'faq',
    title: humanizeName(file.source),
    tags: [],
    meta: { invalid_rows: String(invalid) },
    sections,
  };
}
