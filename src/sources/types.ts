/** What one sync of one source did; kept in the source's state file and shown in Slack. */
export interface SyncStatus {
  source: string;
  type: 'website' | 'notion';
  space: string;
  /** ISO time the run finished. */
  at: string;
  ok: boolean;
  ms: number;
  /** Pages now in the source's folder. */
  pages: number;
  /** Pages fetched and (re)written this run; unchanged ones cost a 304 or no fetch at all. */
  changed: number;
  unchanged: number;
  removed: number;
  skipped: { url: string; reason: string }[];
  errors: { url?: string; message: string }[];
}

/** Per page: where it is stored and what the conditional request needs next time. */
export interface PageState {
  file: string;
  url: string;
  title: string;
  etag?: string;
  lastModified?: string;
  /** Notion: last_edited_time; the page is refetched only when it changes. */
  edited?: string;
  /** Website sources without a sitemap: in-scope links of the page, followed again on a 304. */
  links?: string[];
}

export interface SourceState {
  pages: Record<string, PageState>;
  last?: SyncStatus;
  /** The last successful run, when the last run failed. */
  lastGood?: SyncStatus;
}

export interface SyncProgress {
  source: string;
  done: number;
  total: number;
  message?: string;
}

/** A connector run writes files into `outDir`; unchanged pages are copied from `prevDir`. */
export interface ConnectorContext {
  prevDir: string;
  outDir: string;
  prev: SourceState;
  onProgress: (done: number, total: number, message?: string) => void;
  signal?: AbortSignal;
}

export interface ConnectorResult {
  pages: Record<string, PageState>;
  changed: number;
  unchanged: number;
  skipped: { url: string; reason: string }[];
  errors: { url?: string; message: string }[];
}
