import matter from 'gray-matter';
import type { DocSection, LoadedDoc } from '../../domain/documents.js';
import { decodeText, type FileRef, humanizeName, tidy } from './text.js';

/*
 * gray-matter evaluates `---js` front matter with eval(): knowledge files are data, never code.
 * Passing options also turns off gray-matter's module-level cache, which keeps every parsed file
 * in memory for the life of the process.
 */
const refuse = () => {
  throw new Error('only YAML front matter is supported');
};
const MATTER_OPTIONS = { engines: { js: refuse, javascript: refuse, coffee: refuse, coffeescript: refuse } };
/** Front matter only when there is a closing delimiter; a leading "---" rule is just text. */
const HAS_FRONT_MATTER = /^---[a-z]*[ \t]*\n[\s\S]*?\n---[ \t]*(?:\n|$)/;

interface FrontMatter {
  body: string;
  data: Record<string, unknown>;
  /** The block's raw text when it could not be parsed: kept as plain text, not lost. */
  unparsed?: string;
}

/**
 * The front matter's fields, parsed as YAML only (never as code); {} when there is none or it
 * cannot be parsed. For any reader of knowledge files, not only the loader.
 */
export function frontMatterData(text: string): Record<string, unknown> {
  return readFrontMatter(text).data;
}

function readFrontMatter(text: string): FrontMatter {
  const block = HAS_FRONT_MATTER.exec(text)?.[0];
  if (block === undefined) return { body: text, data: {} };
  const body = text.slice(block.length);
  // Broken YAML or another language: index the block as plain text rather than drop the file.
  // (Parsing it as Markdown would turn "key: value\n---" into a setext heading.)
  const unparsed = { body, data: {}, unparsed: block.replace(/^---[a-z]*[ \t]*\n|\n---[ \t]*\n?$/g, '') };
  try {
    const data: unknown = matter(text, MATTER_OPTIONS).data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return unparsed;
    return { body, data: data as Record<string, unknown> };
  } catch {
    return unparsed;
  }
}

function scalar(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function readTags(v: unknown): string[] {
  const list = Array.isArray(v) ? v.map(scalar) : (scalar(v)?.split(',') ?? []);
  return list.map((t) => t?.trim() ?? '').filter((t) => t !== '');
}

/** Longer heading text is cut: it is metadata, and the patterns below cost more on longer input. */
const MAX_HEADING_CHARS = 300;

/** Heading text without inline Markdown: links, images, code ticks, emphasis, `{#anchor}`. */
export function plainInline(s: string): string {
  // Link parts exclude their own delimiters so a run of "[a](" cannot make the engine rescan
  // to the end of the line from every bracket (quadratic; 10 s on a 100 KB heading).
  return s
    .slice(0, MAX_HEADING_CHARS)
    .replace(/!?\[([^[\]]*)\]\([^()]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__|\*|_|~~)(\S(?:.*?\S)?)\1/g, '$2')
    .replace(/\s*\{#[^}]*\}\s*$/, '')
    .trim();
}

const ATX_OPEN = /^ {0,3}(#{1,6})(?=[ \t]|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;

const isBlank = (c: number) => c === 32 || c === 9;

function trimBlanks(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isBlank(s.charCodeAt(start))) start++;
  while (end > start && isBlank(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/**
 * `## Title ##` → {level 2, text "Title"}; null when the line is no ATX heading. Written out by
 * hand because the one-regex version backtracks quadratically on long runs of blanks (a 200 KB
 * line took minutes). The closing #s count only after a blank, as in CommonMark.
 */
export function atxHeading(line: string): { level: number; text: string } | null {
  const open = ATX_OPEN.exec(line);
  if (!open) return null;
  let text = trimBlanks(line.slice(open[0].length));
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 35) end--;
  if (end < text.length && (end === 0 || isBlank(text.charCodeAt(end - 1))))
    text = trimBlanks(text.slice(0, end));
  return { level: open[1]!.length, text };
}

/** Split Markdown into heading sections; headings inside fenced code blocks are text. */
export function markdownSections(body: string): { sections: DocSection[]; firstH1: string | undefined } {
  const sections: DocSection[] = [];
  const path: { level: number; text: string }[] = [];
  let lines: string[] = [];
  let headingPath: string[] = [];
  let fence: string | undefined;
  let firstH1: string | undefined;
  const flush = () => {
    const text = tidy(lines.join('\n'));
    if (text !== '') sections.push(headingPath.length > 0 ? { text, headingPath } : { text });
    lines = [];
  };
  const open = (level: number, raw: string) => {
    flush();
    const text = plainInline(raw);
    if (level === 1 && firstH1 === undefined && text !== '') firstH1 = text;
    while (path.length > 0 && (path[path.length - 1]?.level ?? 0) >= level) path.pop();
    if (text !== '') path.push({ level, text });
    headingPath = path.map((h) => h.text);
  };
  for (const line of body.split('\n')) {
    const f = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (f !== undefined && f[0] === fence[0] && f.length >= fence.length) fence = undefined;
      lines.push(line);
      continue;
    }
    if (f !== undefined) {
      fence = f;
      lines.push(line);
      continue;
    }
    const atx = atxHeading(line);
    if (atx) {
      open(atx.level, atx.text);
      continue;
    }
    // Setext heading: "Title\n=====" or "Title\n-----" right under a paragraph line.
    const setext = SETEXT.exec(line)?.[1];
    const prev = lines[lines.length - 1];
    if (setext !== undefined && prev !== undefined && /^ {0,3}[^\s\-*+>|#`~]/.test(prev)) {
      lines.pop();
      open(setext[0] === '=' ? 1 : 2, prev.trim());
      continue;
    }
    lines.push(line);
  }
  flush();
  return { sections, firstH1 };
}

export function loadMarkdown(buffer: Uint8Array, file: FileRef): LoadedDoc {
  const { body, data, unparsed } = readFrontMatter(decodeText(buffer, file.source));
  const meta: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'title' || key === 'tags') continue;
    const s = scalar(value);
    if (s !== undefined) meta[key] = s;
  }
  const { sections, firstH1 } = markdownSections(body);
  if (unparsed?.trim()) sections.unshift({ text: tidy(unparsed) });
  // Saved human answers have no title but a question, which names them better than a file id.
  const title = scalar(data['title']) || firstH1 || meta['question'] || humanizeName(file.source);
  return {
    space: file.space,
    source: file.source,
    format: 'md',
    title,
    tags: readTags(data['tags']),
    meta,
    sections,
  };
}
