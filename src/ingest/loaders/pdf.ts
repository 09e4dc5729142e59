import { PasswordException, PDFParse, VerbosityLevel } from 'pdf-parse';
import type { DocSection, LoadedDoc } from '../../domain/documents.js';
import { type FileRef, humanizeName, unreadable } from './text.js';

/** Layout whitespace is noise: collapse runs of spaces, drop empty lines, keep line breaks. */
export function normalizePdfText(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/[\s\u00a0]+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}

interface PdfContent {
  pages: { num: number; text: string }[];
  title: string | undefined;
}

async function extract(buffer: Uint8Array): Promise<PdfContent> {
  // A copy: pdf.js may transfer (detach) the buffer it is given, and the caller still owns this one.
  const parser = new PDFParse({ data: new Uint8Array(buffer), verbosity: VerbosityLevel.ERRORS });
  try {
    const { pages } = await parser.getText();
    const info: unknown = (await parser.getInfo()).info;
    const rawTitle =
      info !== null && typeof info === 'object' ? (info as Record<string, unknown>)['Title'] : undefined;
    return { pages, title: typeof rawTitle === 'string' ? rawTitle.trim() || undefined : undefined };
  } catch (err) {
    if (err instanceof PasswordException) throw unreadable('PDF is password-protected', err);
    const detail = err instanceof Error ? err.message : String(err);
    throw unreadable(`corrupt or unreadable PDF: ${detail}`, err);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

export async function loadPdf(buffer: Uint8Array, file: FileRef): Promise<LoadedDoc> {
  const { pages, title } = await extract(buffer);
  const sections: DocSection[] = [];
  for (const p of pages) {
    const text = normalizePdfText(p.text);
    if (text !== '') sections.push({ text, page: p.num });
  }
  if (sections.length === 0) throw unreadable('PDF has no extractable text (scanned image?)');
  const firstLine = sections[0]?.page === 1 ? sections[0].text.split('\n', 1)[0] : undefined;
  return {
    space: file.space,
    source: file.source,
    format: 'pdf',
    title: title ?? (firstLine && firstLine.length < 100 ? firstLine : humanizeName(file.source)),
    tags: [],
    meta: {},
    sections,
  };
}
