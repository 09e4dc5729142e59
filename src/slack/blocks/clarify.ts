import type { types } from '@slack/bolt';
import type { ClarifyOption } from '../../domain/copilot.js';
import { escapeMrkdwn, oneLine, stripPings, truncate } from '../text.js';
import { ACTION } from './ids.js';
import { button, LIMITS, section } from './limits.js';

/** More choices than this is a menu, not a clarifying question. */
export const MAX_CLARIFY_OPTIONS = 5;

/**
 * "Which one do you mean?" as one section per option with a `copilot_clarify` button. Each button
 * sits in its own block because action ids must be unique within a block; the button's value is
 * the option's standalone question, which the click then asks in the thread.
 */
export function buildClarifyBlocks(
  options: ClarifyOption[],
  intro = 'Which one do you mean?',
): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [section(`*${escapeMrkdwn(intro)}*`)];
  options.slice(0, MAX_CLARIFY_OPTIONS).forEach((option, i) => {
    const label = escapeMrkdwn(truncate(oneLine(option.label || option.question), 300));
    const source = option.source ? `\n_${escapeMrkdwn(truncate(oneLine(option.source), 200))}_` : '';
    blocks.push({
      type: 'section',
      block_id: `copilot_clarify_${i}`,
      text: { type: 'mrkdwn', text: truncate(`${label}${source}`, LIMITS.sectionText) },
      accessory: button(
        ACTION.clarify,
        'Ask this',
        truncate(stripPings(option.question), LIMITS.buttonValue),
      ),
    });
  });
  return blocks;
}
