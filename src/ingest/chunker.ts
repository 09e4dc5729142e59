import { hash } from 'node:crypto';
import type { Chunk, DocSection, LoadedDoc } from '../domain/documents.js';
import { splitUnits } from '../text/sentences.js';
import { estimateTokens } from '../text/token-estimate.js';

export interface ChunkOptions {
  targetTokens?: number;
  maxTokens?: number;
  overlapTokens?: number;
}

/** One chunk's text within a section; `text.slice(0, overlapChars)` repeats the previous piece. */
export interface SectionPiece {
  text: string;
  overlapChars: number;
}

interface Limits {
  target: number;
  max: number;
  overlap: number;
}

function limits(opts: ChunkOptions = {}): Limits {
  const target = Math.max(1, opts.targetTokens ?? 450);
  const max = Math.max(target, opts.maxTokens ?? 600);
  // An overlap as big as the target would make chunks mostly repeats; cap it.
  const overlap = Math.max(0, Math.min(opts.overlapTokens ?? 60, Math.floor(target / 2)));
  return { target, max, overlap };
}

/**
 * Pack a section's sentences into pieces of about `targetTokens`. Each piece is one slice of the
 * original text (no string building), so the new parts of consecutive pieces tile the section
 * exactly: nothing is lost or reordered, only leading/trailing whitespace is trimmed.
 */
export function splitSection(text: string, opts?: ChunkOptions): SectionPiece[] {
  return packSection(text, limits(opts));
}

function packSection(text: string, { target, max, overlap }: Limits): SectionPiece[] {
  const units = splitUnits(text, target, max);
  const pieces: SectionPiece[] = [];
  let k = 0; // first unit of the overlap carried into the next piece
  let i = 0;
  while (i < units.length) {
    let j = i;
    let tokens = 0;
    for (let u = units[j]; u !== undefined && (j === i || tokens + u.tokens <= target); u = units[++j]) {
      tokens += u.tokens;
    }
    let overlapTokens = 0;
    for (let u = k; u < i; u++) overlapTokens += units[u]?.tokens ?? 0;
    // The overlap must not push the piece over maxTokens: drop its oldest sentences first.
    while (k < i && overlapTokens + tokens > max) overlapTokens -= units[k++]?.tokens ?? 0;
    const newStart = units[i]?.start ?? 0;
    // No re-measuring of the joined text: the units tile it and the estimate is subadditive, so a
    // piece whose units sum to at most max fits, and the loops above ensure they do (several units
    // join only within target; splitUnits cuts a longer sentence down to pieces within target).
    const start = k < i ? (units[k]?.start ?? newStart) : newStart;
    const raw = text.slice(start, units[j - 1]?.end ?? newStart);
    const trimmed = raw.trim();
    const lead = raw.length - raw.trimStart().length;
    if (text.slice(newStart, units[j - 1]?.end).trim() !== '') {
      pieces.push({
        text: trimmed,
        overlapChars: Math.max(0, Math.min(trimmed.length, newStart - start - lead)),
      });
    }
    k = overlapStart(units, i, j, overlap);
    i = j;
  }
  return pieces;
}

/** Index of the first of the last whole sentences in [from, to) that fit in `budget` tokens. */
function overlapStart(
  units: ReturnType<typeof splitUnits>,
  from: number,
  to: number,
  budget: number,
): number {
  let k = to;
  let sum = 0;
  while (k > from) {
    const u = units[k - 1];
    if (u === undefined || !u.whole || sum + u.tokens > budget) break;
    sum += u.tokens;
    k--;
  }
  return k;
}

export function chunkId(space: string, source: string, text: string): string {
  return hash('sha256', `${space}\0${source}\0${text}`).slice(0, 24);
}

/** Split a loaded document into chunks; never across a section (heading section, PDF page, FAQ pair). */
export function chunkDocument(doc: LoadedDoc, opts?: ChunkOptions): Chunk[] {
  const lim = limits(opts);
  const chunks: Chunk[] = [];
  const seen = new Set<string>();
  for (const section of doc.sections) {
    for (const { text, embedText } of sectionTexts(doc, section, lim)) {
      const id = chunkId(doc.space, doc.source, text);
      // Identical text twice in one file would give two chunks the same id; one is enough.
      if (seen.has(id)) continue;
      seen.add(id);
      const chunk: Chunk = {
        id,
        space: doc.space,
        source: doc.source,
        title: doc.title,
        format: doc.format,
        text,
        embedText,
        ordinal: chunks.length,
      };
      if (section.headingPath && section.headingPath.length > 0) chunk.headingPath = [...section.headingPath];
      if (section.page !== undefined) chunk.page = section.page;
      if (section.question !== undefined) chunk.question = section.question;
      if (doc.tags.length > 0) chunk.tags = [...doc.tags];
      if (Object.keys(doc.meta).length > 0) chunk.meta = { ...doc.meta };
      chunks.push(chunk);
    }
  }
  return chunks;
}

function sectionTexts(
  doc: LoadedDoc,
  section: DocSection,
  lim: Limits,
): { text: string; embedText: string }[] {
  if (section.question !== undefined) {
    // FAQ pair: one chunk, or several for a very long answer, each repeating the question.
    const q = section.question.trim();
    const qTokens = estimateTokens(q) + 6; // "Q: " and "\nA: " cost 5
    const answerLimits = limits({
      targetTokens: Math.max(32, lim.target - qTokens),
      maxTokens: Math.max(32, lim.max - qTokens),
      overlapTokens: lim.overlap,
    });
    return packSection(section.text, answerLimits).map((p) => ({
      text: `Q: ${q}\nA: ${p.text}`,
      embedText: `${q}\n${p.text}`,
    }));
  }
  const heading = section.headingPath?.join(' > ') ?? '';
  const prefix = [doc.title, heading].filter((s) => s.trim() !== '').join('\n');
  return packSection(section.text, lim).map((p) => ({
    text: p.text,
    embedText: prefix ? `${prefix}\n${p.text}` : p.text,
  }));
}
