import { readFile } from 'node:fs/promises';
import type { LoadedDoc } from '../domain/documents.js';
import { CopilotError } from '../errors.js';
import { loadFaq } from './loaders/faq.js';
import { loadHtml } from './loaders/html.js';
import { loadMarkdown } from './loaders/markdown.js';
import { loadCsv } from './loaders/table.js';
import { type FileRef, loadText, unreadable } from './loaders/text.js';
import type { KnowledgeFile } from './scan.js';

type Loader = (buffer: Uint8Array, file: FileRef) => LoadedDoc | Promise<LoadedDoc>;

// pdf.js, exceljs and mammoth take about a second to load: a thread that only ever meets Markdown
// (the indexer's loading helper, a worker of its own) should not pay for them. Loaded on first use.
const loadPdf: Loader = async (b, f) => (await import('./loaders/pdf.js')).loadPdf(b, f);
const loadDocx: Loader = async (b, f) => (await import('./loaders/office.js')).loadDocx(b, f);
const loadXlsx: Loader = async (b, f) => (await import('./loaders/office.js')).loadXlsx(b, f);

const LOADERS: Record<string, Loader> = {
  '.md': loadMarkdown,
  '.markdown': loadMarkdown,
  '.txt': loadText,
  '.pdf': loadPdf,
  '.html': loadHtml,
  '.htm': loadHtml,
  '.csv': loadCsv,
  '.docx': loadDocx,
  '.xlsx': loadXlsx,
  '.jsonl': loadFaq,
};

/**
 * Read and parse one knowledge file. Every failure is a CopilotError `ingest:unreadable` with a
 * reason fit for the "skipped" list, so one bad file never stops a reindex.
 */
export async function loadDocument(file: KnowledgeFile, bytes?: Uint8Array): Promise<LoadedDoc> {
  const loader = LOADERS[file.ext.toLowerCase()];
  if (!loader) throw unreadable(`unsupported file type "${file.ext}"`);
  let buffer: Uint8Array;
  try {
    // Callers that already read the file (to hash it) pass the bytes and save a second read.
    buffer = bytes ?? (await readFile(file.abs));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw unreadable(`cannot read file (${code})`, err);
  }
  if (buffer.length === 0) throw unreadable('empty file');
  let doc: LoadedDoc;
  try {
    doc = await loader(buffer, { source: file.source, space: file.space });
  } catch (err) {
    if (err instanceof CopilotError) throw err;
    // A parser bug or pathological input (e.g. nesting deep enough to overflow the stack).
    throw unreadable(`could not parse file: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (doc.sections.length === 0) throw unreadable('empty file (no text to index)');
  return doc;
}
