import type { types } from '@slack/bolt';
import { context, header, section } from './limits.js';

export function buildHelpBlocks(): types.KnownBlock[] {
  return [
    header('Merchant Copilot'),
    section(
      [
        'I answer from your team’s knowledge base, with sources, right in the thread.',
        '• *Mention me* in a channel: `@Copilot what is our return window?`',
        '• *Message me directly* for a private answer.',
        '• *Reply in a thread I answered* to follow up, no need to mention me again.',
        '• Use 👍 / 👎 under an answer to tell us how it did, or *Ask a human* to bring in a teammate.',
      ].join('\n'),
    ),
    section(
      [
        '*Slash command*',
        '`/copilot <question>`: ask in this channel',
        '`/copilot status`: knowledge base and modes',
        '`/copilot handoffs`: questions waiting for a teammate',
        '`/copilot reindex`: rebuild the knowledge base (admins)',
        '`/copilot sync`: last sync of each website / Notion source',
        '`/copilot digest`: post the weekly digest of figures and knowledge gaps now (admins)',
        '`/copilot help`: this message',
      ].join('\n'),
    ),
    context(['Open my *Home* tab for index status, open handoffs and recent 👎.']),
  ];
}
