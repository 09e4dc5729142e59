import { parse } from 'csv-parse/sync';
import type { DocSection, LoadedDoc } from '../../domain/documents.js';
import { estimateTokens } from '../../text/token-estimate.js';
import { loadFaq } from './faq.js';
import { decodeText, type FileRef, humanizeName, unreadable } from './text.js';

/** A row group is closed at this many tokens (or rows), so one chunk stays a readable slice. */
const GROUP_TOKENS = 350;
const GROUP_ROWS = 25;
/** A cell longer than this is cut: tables hold short values, and a runaway cell is not worth a chunk. */
const MAX_CELL_CHARS = 2000;

function cellText(v: string): string {
  return v.replace(/\s+/g, ' ').trim().slice(0, MAX_CELL_CHARS);
}

/** Rows without trailing empties; blank rows dropped. */
function clean(rows: string[][]): string[][] {
  const out: string[][] = [];
  for (const row of rows) {
    const cells = row.map(cellText);
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0) out.push(cells);
  }
  return out;
}

const line = (cells: string[]) => `| ${cells.join(' | ')} |`;

/**
 * Sections of one table. A header with "question" and "answer" columns makes one FAQ pair per
 * row; any other table is cut into groups of rows, each repeating the header row so a chunk read
 * alone still says what its columns mean.
 */
export function tableSections(rawRows: string[][], name?: string): DocSection[] {
  const rows = clean(rawRows);
  const [header, ...body] = rows;
  if (!header) return [];
  const lower = header.map((h) => h.toLowerCase());
  const qi = lower.indexOf('question');
  const ai = lower.indexOf('answer');
  const headingPath = name ? [name] : undefined;
  if (qi >= 0 && ai >= 0) {
    const sections: DocSection[] = [];
    for (const row of body) {
      const q = row[qi] ?? '';
      const a = row[ai] ?? '';
      if (q !== '' && a !== '')
        sections.push({ question: q, text: a, ...(headingPath ? { headingPath } : {}) });
    }
    return sections;
  }
  const head = `${line(header)}\n${line(header.map(() => '---'))}`;
  const headTokens = estimateTokens(head);
  const sections: DocSection[] = [];
  let group: string[] = [];
  let tokens = headTokens;
  const flush = () => {
    if (group.length === 0) return;
    sections.push({ text: `${head}\n${group.join('\n')}`, ...(headingPath ? { headingPath } : {}) });
    group = [];
    tokens = headTokens;
  };
  for (const row of body) {
    const l = line(row);
    const t = estimateTokens(l);
    if (group.length > 0 && (tokens + t > GROUP_TOKENS || group.length >= GROUP_ROWS)) flush();
    group.push(l);
    tokens += t;
  }
  flush();
  // A header-only table still says something (e.g. a list of column names): keep it.
  if (sections.length === 0 && header.some((h) => h !== ''))
    sections.push({ text: head, ...(headingPath ? { headingPath } : {}) });
  return sections;
}

/** `.csv`: a question/answer table is a FAQ (one chunk per pair); any other table is chunked by row groups. */
export function loadCsv(buffer: Uint8Array, file: FileRef): LoadedDoc {
  const text = decodeText(buffer, file.source);
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, relax_column_count: true, bom: true, relax_quotes: true });
  } catch (err) {
    throw unreadable(`invalid CSV: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const header = (rows.find((r) => r.some((c) => c.trim() !== '')) ?? []).map((h) => h.trim().toLowerCase());
  if (header.includes('question') && header.includes('answer')) return loadFaq(buffer, file);
  return {
    space: file.space,
    source: file.source,
    format: 'table',
    title: humanizeName(file.source),
    tags: [],
    meta: {},
    sections: tableSections(rows),
  };
}
