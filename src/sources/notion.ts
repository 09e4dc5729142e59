import { Client, isFullPage } from '@notionhq/client';
import { CopilotError } from '../errors.js';
import type { NotionSource } from './config.js';
import { pageFileName, reusePage, writePage } from './files.js';
import type { ConnectorContext, ConnectorResult, PageState } from './types.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

/** Plain text of a rich_text array, with links kept as Markdown links. */
function richText(v: unknown): string {
  if (!Array.isArray(v)) return '';
  return v
    .map((t) => {
      const r = obj(t);
      const text = String(r['plain_text'] ?? '');
      const href = typeof r['href'] === 'string' ? r['href'] : undefined;
      return href ? `[${text}](${href})` : text;
    })
    .join('');
}

/** One property value as text (database rows keep their fields in the page). */
function propertyText(p: Json): string {
  const v = p[String(p['type'])];
  switch (p['type']) {
    case 'title':
    case 'rich_text':
      return richText(v);
    case 'number':
      return v === null || v === undefined ? '' : String(v);
    case 'select':
    case 'status':
      return String(obj(v)['name'] ?? '');
    case 'multi_select':
      return Array.isArray(v) ? v.map((o) => String(obj(o)['name'] ?? '')).join(', ') : '';
    case 'date':
      return [obj(v)['start'], obj(v)['end']].filter(Boolean).join(' → ');
    case 'checkbox':
      return v ? 'yes' : 'no';
    case 'url':
    case 'email':
    case 'phone_number':
      return typeof v === 'string' ? v : '';
    default:
      return '';
  }
}

/** One block as Markdown lines (children indented under list items, else appended). */
function blockMarkdown(b: Json): string {
  const type = String(b['type']);
  const data = obj(b[type]);
  const text = richText(data['rich_text']);
  switch (type) {
    case 'heading_1':
      return `# ${text}`;
    case 'heading_2':
      return `## ${text}`;
    case 'heading_3':
      return `### ${text}`;
    case 'paragraph':
      return text;
    case 'bulleted_list_item':
      return `- ${text}`;
    case 'numbered_list_item':
      return `1. ${text}`;
    case 'to_do':
      return `- [${data['checked'] ? 'x' : ' '}] ${text}`;
    case 'quote':
    case 'callout':
      return `> ${text}`;
    case 'toggle':
      return `**${text}**`;
    case 'code':
      return `\`\`\`${String(data['language'] ?? '')}\n${text}\n\`\`\``;
    case 'divider':
      return '---';
    case 'table_row':
      return Array.isArray(data['cells']) ? data['cells'].map(richText).join(' | ') : '';
    case 'child_page':
      return `## ${String(data['title'] ?? '')}`;
    default:
      return text;
  }
}

/**
 * Sync the pages shared with the integration (database rows included: they are pages) through the
 * official client: search for pages, then each page's blocks (recursively) as Markdown. A page whose
 * last_edited_time is unchanged is not fetched again.
 */
export async function syncNotion(
  def: NotionSource,
  ctx: ConnectorContext,
  opts: { token?: string; baseUrl?: string },
): Promise<ConnectorResult> {
  if (!opts.token)
    throw new CopilotError('sources:notion_token', 'NOTION_TOKEN is not set', {
      hint: 'Create an internal integration in Notion, share the pages with it and set NOTION_TOKEN.',
    });
  const notion = new Client({
    auth: opts.token,
    timeoutMs: def.timeout_ms,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
  });
  const result: ConnectorResult = { pages: {}, changed: 0, unchanged: 0, skipped: [], errors: [] };

  const found: Json[] = [];
  let cursor: string | undefined;
  do {
    const res = await notion.search({
      filter: { property: 'object', value: 'page' },
      page_size: 100,
      ...(cursor ? { start_cursor: cursor } : {}),
    });
    for (const p of res.results)
      if (isFullPage(p) && !p.in_trash && !p.archived) found.push(p as unknown as Json);
    cursor = res.has_more ? (res.next_cursor ?? undefined) : undefined;
  } while (cursor);

  const blocksOf = async (id: string, depth: number): Promise<string[]> => {
    const lines: string[] = [];
    let next: string | undefined;
    do {
      const res = await notion.blocks.children.list({
        block_id: id,
        page_size: 100,
        ...(next ? { start_cursor: next } : {}),
      });
      for (const raw of res.results) {
        const b = raw as unknown as Json;
        const line = blockMarkdown(b);
        if (line !== '') lines.push(line);
        if (b['has_children'] && b['type'] !== 'child_page' && b['type'] !== 'child_database' && depth < 5) {
          const indent = String(b['type']).endsWith('list_item') ? '  ' : '';
          for (const c of await blocksOf(String(b['id']), depth + 1)) lines.push(`${indent}${c}`);
        }
      }
      next = res.has_more ? (res.next_cursor ?? undefined) : undefined;
    } while (next);
    return lines;
  };

  let done = 0;
  for (const page of found) {
    const id = String(page['id']);
    ctx.onProgress(done++, found.length, id);
    if (Object.keys(result.pages).length >= def.max_pages) {
      result.skipped.push({ url: String(page['url'] ?? id), reason: `max_pages (${def.max_pages}) reached` });
      continue;
    }
    const props = obj(page['properties']);
    let title = '';
    const fields: string[] = [];
    for (const [name, value] of Object.entries(props)) {
      const p = obj(value);
      if (p['type'] === 'title') title = richText(p['title']);
      else {
        const text = propertyText(p);
        if (text !== '') fields.push(`- **${name}**: ${text}`);
      }
    }
    const url = String(page['url'] ?? '');
    const edited = String(page['last_edited_time'] ?? '');
    const prev = ctx.prev.pages[id];
    if (prev && prev.edited === edited && (await reusePage(ctx.prevDir, ctx.outDir, prev.file))) {
      result.pages[id] = prev;
      result.unchanged++;
      continue;
    }
    try {
      const body = (await blocksOf(id, 0)).join('\n\n');
      const file = prev?.file ?? pageFileName(id, title || 'untitled');
      const heading = title ? `# ${title}\n\n` : '';
      await writePage(
        ctx.outDir,
        file,
        {
          title: title || 'Untitled',
          url,
          updated: edited,
          valid_from: def.valid_from,
          valid_until: def.valid_until,
        },
        `${heading}${fields.length ? `${fields.join('\n')}\n\n` : ''}${body}`,
      );
      const state: PageState = { file, url, title, edited };
      result.pages[id] = state;
      result.changed++;
    } catch (err) {
      result.errors.push({ url, message: (err as Error).message });
      if (prev && (await reusePage(ctx.prevDir, ctx.outDir, prev.file))) result.pages[id] = prev;
    }
  }
  ctx.onProgress(done, found.length);
  return result;
}
