import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeMrkdwn,
  neutralizeForeign,
  splitHoldBack,
  stripBidi,
  stripBotMention,
  stripPings,
  truncate,
} from '../../../src/slack/text.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PING = /<!(channel|here|everyone|group|subteam)|@(channel|here|everyone)\b/i;

describe('stripPings', () => {
  it('removes special mentions and defuses plain ones', () => {
    expect(stripPings('Hi <!channel> and <!here|here> and <!everyone>!')).toBe('Hi  and  and !');
    expect(stripPings('ping <!subteam^S123|@support> now')).toBe('ping  now');
    expect(stripPings('@channel @HERE @everyone')).toBe('channel HERE everyone');
    expect(stripPings('mail me at a@b.com, see <@U123>')).toBe('mail me at a@b.com, see <@U123>');
  });
});

describe('splitHoldBack', () => {
  it('holds an unfinished <…> or a trailing @word prefix', () => {
    expect(splitHoldBack('Heads up <!chan')).toEqual(['Heads up ', '<!chan']);
    expect(splitHoldBack('also @ch')).toEqual(['also ', '@ch']);
    expect(splitHoldBack('done <!here> now')).toEqual(['done <!here> now', '']);
    expect(splitHoldBack('a @ b')).toEqual(['a @ b', '']);
  });

  it('no way of cutting a text into tokens lets a ping through when streamed', () => {
    const pieces = fc.constantFrom(
      '<!channel>',
      '<!here>',
      '@here',
      '@channel',
      '<!everyone>',
      'text ',
      '< 5 ',
      '@bob ',
      'x',
    );
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (parts, cuts) => {
          const text = parts.join('');
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const bounds = [0, ...points, text.length];
          const tokens = bounds.slice(1).map((end, i) => text.slice(bounds[i], end));
          // Simulate the stream: flush after every token, holding back the unsafe tail; flush all at the end.
          let buffer = '';
          let sent = '';
          for (const t of tokens) {
            buffer += t;
            const [send, hold] = splitHoldBack(buffer);
            sent += stripPings(send);
            buffer = hold;
          }
          sent += stripPings(buffer);
          expect(sent).not.toMatch(PING);
        },
      ),
    );
  });
});

describe('escapeMrkdwn, stripBotMention, truncate', () => {
  it('escapes control characters and strips pings', () => {
    expect(escapeMrkdwn('a < b & <!here> c > d')).toBe('a &lt; b &amp;  c &gt; d');
  });
  it('removes only the bot mention', () => {
    expect(stripBotMention('<@UBOT> what is <@U2|ann> doing?', 'UBOT')).toBe('what is <@U2|ann> doing?');
    expect(stripBotMention('<@UBOT|copilot>   hi', 'UBOT')).toBe('hi');
    expect(stripBotMention('<@UX1> hi', undefined)).toBe('hi');
  });
  it('never splits a surrogate pair', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('short', 10)).toBe('short');
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 50 }),
        fc.integer({ min: 2, max: 40 }),
        (s, max) => {
          const out = truncate(s, max);
          if (s.length <= max) expect(out).toBe(s);
          else expect(out.length).toBeLessThanOrEqual(max);
          expect(out).not.toMatch(LONE_SURROGATE);
        },
      ),
    );
  });
});

describe('neutralizeForeign', () => {
  it('escapes & < > and strips bidi controls, so mentions and disguised links show as typed', () => {
    expect(neutralizeForeign('<@U1> <!channel> <https://evil.test|bank.com> a&b')).toBe(
      '&lt;@U1&gt;  &lt;https://evil.test|bank.com&gt; a&amp;b',
    );
    expect(neutralizeForeign('pay\u202Eexe.pdf\u202C \u2066x\u2069\u200F\u061C')).toBe('payexe.pdf x');
    expect(stripBidi('\u202Aa\u202Bb\u202Dc\u2067d\u2068e\u200Ef')).toBe('abcdef');
  });

  it('never leaves a raw <, > or bidi control, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = neutralizeForeign(s);
        expect(out).not.toMatch(/[<>\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/);
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
    );
  });
});
