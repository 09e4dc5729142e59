import type { types } from '@slack/bolt';
import type { Digest, GapRef } from '../../insights/gap-desk.js';
import type { Gap } from '../../insights/gaps.js';
import { escapeMrkdwn, oneLine, truncate } from '../text.js';
import { ACTION } from './ids.js';
import { button, context, header, LIMITS, section } from './limits.js';

/** Button value of a gap: which gap, in which space and period (JSON, within Slack's 2000 chars). */
export function encodeGapRef(ref: GapRef): string {
  const base = { i: ref.id, s: ref.space, f: ref.from, t: ref.to };
  const room = LIMITS.buttonValue - JSON.stringify({ ...base, q: '' }).length - 16;
  const q = ref.question ? ref.question.slice(0, Math.max(0, room)) : '';
  return JSON.stringify(q ? { ...base, q } : base);
}

/** The gap a button names, or null for a value that is not one (never trusted further than that). */
export function decodeGapRef(value: string | undefined): GapRef | null {
  try {
    const v = JSON.parse(value ?? '') as Record<string, unknown>;
    if (typeof v.i !== 'string' || typeof v.s !== 'string') return null;
    if (typeof v.f !== 'number' || typeof v.t !== 'number') return null;
    return {
      id: v.i,
      space: v.s,
      from: v.f,
      to: v.t,
      ...(typeof v.q === 'string' && v.q ? { question: v.q } : {}),
    };
  } catch {
    return null;
  }
}

const day = (at: number) => new Date(at).toISOString().slice(0, 10);
const percent = (rate: number | null) => (rate === null ? '–' : `${Math.round(rate * 100)} %`);
const quoted = (q: string, max: number) => `“${escapeMrkdwn(truncate(oneLine(q), max))}”`;

function whyLine(g: Gap): string {
  const parts = [
    g.why.escalated ? `${g.why.escalated} handed to a teammate` : '',
    g.why.no_answer ? `${g.why.no_answer} not in the knowledge` : '',
    g.why.down ? `${g.why.down} 👎` : '',
    g.replies.length ? `${g.replies.length} teammate repl${g.replies.length === 1 ? 'y' : 'ies'}` : '',
  ].filter(Boolean);
  return parts.join(' · ');
}

function gapBlock(g: Gap, showSpace: boolean, from: number, to: number): types.KnownBlock {
  const others = g.examples
    .slice(1, 3)
    .map((e) => quoted(e.question, 120))
    .join(', ');
  const lines = [
    `*${g.count}×* ${quoted(g.question, 300)}${showSpace ? `  ·  space \`${escapeMrkdwn(g.space)}\`` : ''}`,
    others ? `_also asked as_ ${others}` : '',
    whyLine(g),
  ].filter(Boolean);
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.sectionText) },
    accessory: button(
      ACTION.gapDraft,
      'Draft answer',
      encodeGapRef({ id: g.id, space: g.space, from, to, question: g.question }),
      'primary',
    ),
  };
}

/**
 * The weekly digest: the week's figures, then the biggest knowledge gaps, each with a button that
 * opens the draft answer modal. Questions are users' text: escaped, never pinging. Pure.
 */
export function buildDigestBlocks(d: Digest): { text: string; blocks: types.KnownBlock[] } {
  const f = d.figures;
  const spaces = new Set(d.gaps.map((g) => g.space));
  const showSpace = spaces.size > 1 || (spaces.size === 1 && !spaces.has('default'));
  const blocks: types.KnownBlock[] = [
    header('Copilot weekly digest'),
    context([`${day(d.from)} – ${day(d.to)} (UTC)`]),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Questions*\n${f.questions}` },
        { type: 'mrkdwn', text: `*Automated resolution*\n${percent(f.automatedRate)}` },
        { type: 'mrkdwn', text: `*👍 / 👎*\n${f.thumbsUp} / ${f.thumbsDown}` },
        { type: 'mrkdwn', text: `*Escalations*\n${f.escalations}` },
      ],
    },
    { type: 'divider' },
  ];
  if (d.gaps.length === 0) {
    blocks.push(section('*Knowledge gaps*\nNo unanswered questions this week. 🎉'));
  } else {
    const of = d.openGaps > d.gaps.length ? ` (top ${d.gaps.length} of ${d.openGaps})` : '';
    blocks.push(
      section(
        `*Knowledge gaps${of}*\nQuestions Copilot could not answer well, grouped by meaning. *Draft answer* opens a draft to edit and save: Copilot then answers them itself.`,
      ),
    );
    for (const g of d.gaps) blocks.push(gapBlock(g, showSpace, d.from, d.to));
  }
  const text = `Copilot weekly digest: ${f.questions} questions, ${percent(f.automatedRate)} automated, ${f.thumbsUp} 👍 / ${f.thumbsDown} 👎, ${f.escalations} escalations, ${d.openGaps} knowledge gap${d.openGaps === 1 ? '' : 's'}.`;
  return { text, blocks: blocks.slice(0, LIMITS.messageBlocks) };
}
