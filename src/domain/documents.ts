/** What a loader returns for one file: the document split into its natural sections. */
export type DocFormat = 'md' | 'txt' | 'pdf' | 'html' | 'faq' | 'docx' | 'table';

export interface DocSection {
  text: string;
  /** Markdown/HTML heading path, outermost first, e.g. ["Returns", "Apparel"]. */
  headingPath?: string[];
  /** 1-based PDF page number. */
  page?: number;
  /** FAQ files: the question of this pair (one section = one pair = one chunk). */
  question?: string;
}

export interface LoadedDoc {
  /** Space name: first folder under the knowledge dir, or "default" for root files. */
  space: string;
  /** Path relative to the knowledge dir, forward slashes, e.g. "apparel/returns.md". */
  source: string;
  format: DocFormat;
  title: string;
  tags: string[];
  /** Extra front matter (answers/ files: question, answered_by, answered_at, handoff). */
  meta: Record<string, string>;
  sections: DocSection[];
}

/** One retrievable unit. `id` = sha256(space, source, text) (hex, 24 chars). */
export interface Chunk {
  id: string;
  space: string;
  source: string;
  title: string;
  format: DocFormat;
  /** The passage text shown to users and the model. */
  text: string;
  /** What gets embedded: title + heading path prefix + text (or the question for FAQ pairs). */
  embedText: string;
  headingPath?: string[];
  page?: number;
  question?: string;
  tags?: string[];
  /** Position of the chunk within its document, 0-based. */
  ordinal: number;
  meta?: Record<string, string>;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface IndexSummary {
  documents: number;
  chunks: number;
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  embedded: number;
  skipped: SkippedFile[];
  ms: number;
  version: string;
}

export interface IngestProgress {
  phase: 'scan' | 'load' | 'embed' | 'index' | 'write' | 'done';
  done: number;
  total: number;
  message?: string;
}
