import type { types } from '@slack/bolt';
import type { CopilotStatus } from '../../domain/copilot.js';
import type { HandoffTicket } from '../../domain/handoff.js';
import { escapeMrkdwn, oneLine, truncate } from '../text.js';
import { context, section } from './limits.js';
import { person } from './person.js';

/** Index version, spaces and modes, for `/copilot status` and the Home tab. */
export function buildStatusBlocks(status: CopilotStatus | null): types.KnownBlock[] {
  if (!status) return [section(':warning: Status is unavailable right now.')];
  const spaces = status.spaces.length
    ? status.spaces
        .slice(0, 20)
        .map(
          (s) =>
            `• \`${escapeMrkdwn(s.name)}\`${s.public ? '' : ' 🔒'}: ${s.documents} documents, ${s.chunks} chunks`,
        )
        .join('\n')
    : '_No spaces indexed yet. Run a reindex._';
  const m = status.modes;
  return [
    section(
      `${status.ready ? ':large_green_circle: *Ready*' : ':red_circle: *Not ready*'}  ·  index \`${escapeMrkdwn(status.indexVersion || 'none')}\`\n${spaces}`,
    ),
    context([
      `LLM: ${escapeMrkdwn(m.llm)}`,
      `Embeddings: ${escapeMrkdwn(m.embeddings)}`,
      `Memory: ${m.memory}`,
      `Slack: ${escapeMrkdwn(m.slack)}`,
    ]),
  ];
}

const MAX_LISTED = 15;

/** Open and claimed tickets, newest first, for `/copilot handoffs` and the Home tab. */
export function buildHandoffListBlocks(tickets: HandoffTicket[]): types.KnownBlock[] {
  if (tickets.length === 0) return [section('_No open handoffs._ :tada:')];
  const lines = tickets.slice(0, MAX_LISTED).map((t) => {
    // Console agents and web askers have names, not Slack ids: person() shows either correctly.
    const who = t.asker ? ` from ${person(t.asker)}` : '';
    const owner = t.assignee ? `, claimed by ${person(t.assignee)}` : '';
    const link = t.origin.link ? ` · <${t.origin.link}|thread>` : '';
    const question = escapeMrkdwn(truncate(oneLine(t.question), 160));
    return `• *${question}*${who} (${t.status}${owner}, ${age(t.createdAt)})${link}`;
  });
  const blocks: types.KnownBlock[] = [];
  // Several sections rather than one, so a long list never breaks the 3000-char section limit.
  for (let i = 0; i < lines.length; i += 5) blocks.push(section(lines.slice(i, i + 5).join('\n')));
  if (tickets.length > MAX_LISTED) blocks.push(context([`+${tickets.length - MAX_LISTED} more`]));
  return blocks;
}

export function age(at: number, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - at) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}
