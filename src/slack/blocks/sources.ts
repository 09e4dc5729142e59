import type { types } from '@slack/bolt';
import type { SyncStatus } from '../../sources/types.js';
import { escapeMrkdwn, oneLine, truncate } from '../text.js';
import { section } from './limits.js';
import { age } from './status.js';

/** One declared source and its last sync (null before the first one). */
export interface SourceSyncView {
  name: string;
  type: 'website' | 'notion';
  space: string;
  schedule?: string;
  last: SyncStatus | null;
  /** The last successful sync when the last one failed: its files and index still serve. */
  lastGood: SyncStatus | null;
}

function line(v: SourceSyncView, now: number): string {
  const head = `*${escapeMrkdwn(v.name)}* (${v.type} → \`${escapeMrkdwn(v.space)}\`${v.schedule ? `, \`${escapeMrkdwn(v.schedule)}\`` : ', by hand'})`;
  const last = v.last;
  if (!last) return `${head}\n_not synced yet_`;
  const when = age(Date.parse(last.at), now);
  if (!last.ok) {
    const err = last.errors[0]?.message ?? 'unknown error';
    const kept = v.lastGood
      ? `keeping ${v.lastGood.pages} pages from ${age(Date.parse(v.lastGood.at), now)}`
      : 'nothing synced yet';
    return `${head}\n:warning: failed ${when}: ${escapeMrkdwn(truncate(oneLine(err), 300))} (${kept})`;
  }
  const parts = [`${last.pages} pages`, `${last.changed} changed`];
  if (last.removed) parts.push(`${last.removed} removed`);
  if (last.skipped.length) parts.push(`${last.skipped.length} skipped`);
  let text = `${head}\n:white_check_mark: synced ${when}: ${parts.join(', ')}`;
  if (last.errors.length) {
    const first = last.errors[0];
    text += `\n:warning: ${last.errors.length} page error(s), e.g. ${escapeMrkdwn(truncate(oneLine(`${first?.url ? `${first.url}: ` : ''}${first?.message ?? ''}`), 300))}`;
  }
  return text;
}

/** The last sync per source: time, pages, errors (a failing source says what it keeps serving). */
export function buildSourceSyncBlocks(views: SourceSyncView[], now = Date.now()): types.KnownBlock[] {
  if (views.length === 0) return [section('_No sources declared (knowledge/sources.json)._')];
  return views.slice(0, 20).map((v) => section(truncate(line(v, now), 2900)));
}
