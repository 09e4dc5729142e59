import { HTMLElement, type Node, parse, TextNode } from 'node-html-parser';

/** Chrome and non-content dropped before extraction: menus and footers repeat on every page. */
const DROP = 'script,style,noscript,template,nav,header,footer,aside,form,iframe,svg,canvas,object,button';
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'blockquote',
  'figure',
  'figcaption',
  'dl',
  'dt',
  'dd',
  'details',
  'summary',
  'address',
  'tr',
  'br',
  'hr',
]);
const squash = (s: string) => s.replace(/\s+/g, ' ');

function render(node: Node, out: string[], pre: boolean): void {
  if (node instanceof TextNode) {
    out.push(pre ? node.rawText : squash(node.text));
    return;
  }
  if (!(node instanceof HTMLElement)) return;
  const tag = node.rawTagName?.toLowerCase() ?? '';
  const heading = /^h([1-6])$/.exec(tag);
  if (heading) {
    out.push(`\n\n${'#'.repeat(Number(heading[1]))} ${node.text.replace(/\s+/g, ' ').trim()}\n\n`);
    return;
  }
  if (tag === 'pre') {
    out.push(`\n\n\`\`\`\n${node.text.replace(/\n+$/, '')}\n\`\`\`\n\n`);
    return;
  }
  if (tag === 'li') {
    const inner: string[] = [];
    for (const c of node.childNodes) render(c, inner, pre);
    out.push(`\n- ${inner.join('').replace(/\s+/g, ' ').trim()}\n`);
    return;
  }
  if (tag === 'table') {
    const rows = node.querySelectorAll('tr').map((tr) =>
      tr
        .querySelectorAll('th,td')
        .map((c) => c.text.replace(/\s+/g, ' ').trim())
        .join(' | '),
    );
    out.push(`\n\n${rows.filter(Boolean).join('\n')}\n\n`);
    return;
  }
  const block = BLOCK.has(tag) || tag === 'ul' || tag === 'ol';
  if (block) out.push('\n\n');
  for (const c of node.childNodes) render(c, out, pre);
  if (block) out.push('\n\n');
}

export interface ExtractedPage {
  title: string;
  markdown: string;
  links: string[];
}

/**
 * The page's main content as Markdown: `<main>`, `<article>` or `[role=main]` when present, else
 * the body without nav, header, footer, aside, scripts and styles. Links are collected before the
 * chrome is dropped so menus still lead the crawler to every page.
 */
export function extractPage(html: string): ExtractedPage {
  const root = parse(html, { comment: false, blockTextElements: { script: true, style: true, pre: true } });
  const links = root
    .querySelectorAll('a[href]')
    .map((a) => a.getAttribute('href') ?? '')
    .filter(Boolean);
  const title =
    root.querySelector('title')?.text.replace(/\s+/g, ' ').trim() ||
    root.querySelector('h1')?.text.replace(/\s+/g, ' ').trim() ||
    '';
  const main =
    root.querySelector('main') ??
    root.querySelector('[role=main]') ??
    root.querySelector('article') ??
    root.querySelector('body') ??
    root;
  for (const el of main.querySelectorAll(DROP)) el.remove();
  const out: string[] = [];
  render(main, out, false);
  const markdown = out
    .join('')
    .split('\n')
    .map((l) => l.trimEnd().replace(/^[ \t]+(?!- )/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { title, markdown, links };
}
