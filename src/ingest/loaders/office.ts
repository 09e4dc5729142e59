import ExcelJS from 'exceljs';
import mammoth from 'mammoth';
import type { LoadedDoc } from '../../domain/documents.js';
import { loadHtml } from './html.js';
import { tableSections } from './table.js';
import { type FileRef, humanizeName, unreadable } from './text.js';

const reason = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 200);

/**
 * `.docx` via mammoth: converted to HTML (headings stay headings), then read by the HTML loader so
 * Word headings become the chunks' heading path exactly like a web page's.
 */
export async function loadDocx(buffer: Uint8Array, file: FileRef): Promise<LoadedDoc> {
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(buffer) })).value;
  } catch (err) {
    throw unreadable(`not a readable .docx file (${reason(err)})`, err);
  }
  const doc = loadHtml(Buffer.from(`<html><body>${html}</body></html>`, 'utf8'), file);
  return { ...doc, format: 'docx' };
}

function cellString(cell: ExcelJS.Cell): string {
  try {
    return cell.text ?? '';
  } catch {
    // exceljs throws on a few exotic values (e.g. broken rich text); the cell is just skipped.
    return '';
  }
}

/**
 * `.xlsx` via exceljs: each worksheet is a table. A sheet with "question"/"answer" columns gives one
 * chunk per row; any other sheet gives row groups with the header repeated. The sheet name is the
 * heading path.
 */
export async function loadXlsx(buffer: Uint8Array, file: FileRef): Promise<LoadedDoc> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(buffer) as unknown as ArrayBuffer);
  } catch (err) {
    throw unreadable(`not a readable .xlsx file (${reason(err)})`, err);
  }
  const sections: LoadedDoc['sections'] = [];
  workbook.eachSheet((sheet) => {
    const rows: string[][] = [];
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      for (let c = 1; c <= row.cellCount; c++) cells.push(cellString(row.getCell(c)));
      rows.push(cells);
    });
    sections.push(...tableSections(rows, sheet.name));
  });
  return {
    space: file.space,
    source: file.source,
    format: 'table',
    title: workbook.title?.trim() || humanizeName(file.source),
    tags: [],
    meta: {},
    sections,
  };
}
