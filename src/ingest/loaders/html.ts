import { HTMLElement, type Node, parse, TextNode } from 'node-html-parser';
import type { DocSection, LoadedDoc } from '../../domain/documents.js';
import { decodeText, type FileRef, humanizeName, tidy } from './text.js';

/** Page chrome and non-content: menus and footers repeat on every page and drown the real text. */
const DROP = new Set([
  'script',
  'style',
  'nav',
  'footer',
  'header',
  'noscript',
  'head',
  'template',
  'svg',
  'iframe',
  'canvas',
  'object',
]);
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'aside',
  'blockquote',
  'pre',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'figure',
  'figcaption',
  'form',
  'fieldset',
  'address',
  'details',
  'summary',
  'h4',
  'h5',
  'h6',
  'hr',
]);

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** "a | b | c" per row, so prices and sizes stay next to their labels. */
function renderTable(table: HTMLElement): string {
  const rows: string[] = [];
  for (const tr of table.querySelectorAll('tr')) {
    const cells = tr.childNodes
      .filter((c): c is HTMLElement => c instanceof HTMLElement && (c.tagName === 'TD' || c.tagName === 'TH'))
      .map((c) => squash(c.text));
    if (cells.some((c) => c !== '')) rows.push(cells.join(' | '));
  }
  return rows.join('\n');
}

class SectionWriter {
  readonly sections: DocSection[] = [];
  firstH1: string | undefined;
  private parts: string[] = [];
  private path: { level: number; text: string }[] = [];

  heading(level: number, text: string) {
    this.flush();
    if (level === 1 && this.firstH1 === undefined && text !== '') this.firstH1 = text;
    while (this.path.length > 0 && (this.path[this.path.length - 1]?.level ?? 0) >= level) this.path.pop();
    if (text !== '') this.path.push({ level, text });
  }

  write(s: string) {
    this.parts.push(s);
  }

  flush() {
    // Inline whitespace collapses as a browser would; block breaks survive as newlines.
    const text = tidy(
      this.parts
        .join('')
        .split('\n')
        .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
        .join('\n'),
    );
    const headingPath = this.path.map((h) => h.text);
    if (text !== '') this.sections.push(headingPath.length > 0 ? { text, headingPath } : { text });
    this.parts = [];
  }
}

function walk(node: Node, out: SectionWriter, pre: boolean) {
  if (node instanceof TextNode) {
    out.write(pre ? node.text : node.text.replace(/\s+/g, ' '));
    return;
  }
  if (!(node instanceof HTMLElement)) return; // comments
  const tag = node.tagName?.toLowerCase() ?? '';
  if (DROP.has(tag)) return;
  const level = /^h[1-3]$/.test(tag) ? Number(tag[1]) : 0;
  if (level > 0) return out.heading(level, squash(node.text));
  if (tag === 'table') return out.write(`\n\n${renderTable(node)}\n\n`);
  if (tag === 'br') return out.write('\n');
  if (tag === 'li') out.write('\n- ');
  else if (tag === 'tr') out.write('\n');
  else if (BLOCK.has(tag)) out.write('\n\n');
  for (const child of node.childNodes) walk(child, out, pre || tag === 'pre');
  if (BLOCK.has(tag)) out.write('\n\n');
}

export function loadHtml(buffer: Uint8Array, file: FileRef): LoadedDoc {
  const root = parse(decodeText(buffer, file.source), { comment: false });
  const out = new SectionWriter();
  walk(root.querySelector('body') ?? root, out, false);
  out.flush();
  const title = squash(root.querySelector('title')?.text ?? '') || out.firstH1 || humanizeName(file.source);
  return {
    space: file.space,
    source: file.source,
    format: 'html',
    title,
    tags: [],
    meta: {},
    sections: out.sections,
  };
}
