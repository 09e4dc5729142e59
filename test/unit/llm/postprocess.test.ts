import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createAnswerStreamFilter,
  createPingFilter,
  isNoAnswer,
  mapCitations,
  stripPings,
} from '../../../src/text/postprocess.js';

/** A real ping in the output: special mention, or @word not preceded by an address character. */
const PING_LEFT =
  /<!(?:here|channel|everyone|subteam\^[^>]*)>|(?:^|[^A-Za-z0-9_.+-])@+(?:channel|here|everyone)(?![\w-])/i;

function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let prev = 0;
  for (const p of [...points, text.length]) {
    pieces.push(text.slice(prev, p));
    prev = p;
  }
  return pieces;
}

function streamThrough(filter: { push(p: string): string; end(): string }, pieces: string[]): string {
  return pieces.map((p) => filter.push(p)).join('') + filter.end();
}

describe('stripPings', () => {
  it('removes special mentions and @-pings, keeps user mentions and addresses', () => {
    expect(stripPings('Hi <!here> team')).toBe('Hi   team');
    expect(stripPings('<!channel|channel> and <!subteam^S123|@support>')).toBe('  and  ');
    expect(stripPings('cc @channel, @HERE and @@everyone!')).toBe('cc channel, HERE and everyone!');
    expect(stripPings('ask <@U123ABC> or mail returns@here.com')).toBe(
      'ask <@U123ABC> or mail returns@here.com',
    );
    expect(stripPings('@hereby and @channels stay')).toBe('@hereby and @channels stay');
  });

  it('never joins halves into a new mention', () => {
    expect(stripPings('<!he<!x>re>')).not.toMatch(PING_LEFT);
    expect(stripPings('@<!x>here')).not.toMatch(PING_LEFT);
    expect(stripPings('<!@here>')).not.toMatch(PING_LEFT);
  });
});

describe('createPingFilter', () => {
  it('holds back a mention split across tokens', () => {
    const f = createPingFilter();
    expect(f.push('Hello <')).toBe('Hello ');
    expect(f.push('!he')).toBe('');
    expect(f.push('re> world @her')).toBe('  world ');
    expect(f.push('e')).toBe('');
    expect(f.push(' done')).toBe('here done');
    expect(f.end()).toBe('');
  });

  it('releases a lone "<" or "@" once it is clearly not a ping', () => {
    const f = createPingFilter();
    expect(f.push('a <')).toBe('a ');
    expect(f.push(' b @')).toBe('< b ');
    expect(f.push('x')).toBe('@x');
    expect(f.push(' <!here')).toBe(' ');
    expect(f.end()).toBe('<!here');
  });

  it('streams exactly what stripPings gives for the whole text, for any split (property)', () => {
    const fragment = fc.constantFrom(
      '<!here>',
      '<!channel>',
      '<!everyone>',
      '<!subteam^S1|@ops>',
      '@channel',
      '@here',
      '@@everyone',
      '<@U123>',
      'mail@here.com',
      '<',
      '@',
      '!',
      '>',
      ' ',
      'The return window is 30 days',
      '退货期限为30天。',
      '[1]',
      'here',
      'channel',
      '\n',
      // Pieces of pings, so random joins also build them from parts.
      '<!',
      'he',
      're',
      'chan',
      'nel',
      '@@',
      'x',
      '.',
    );
    fc.assert(
      fc.property(
        fc.array(fragment, { maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (parts, cuts) => {
          const text = parts.join('');
          const expected = stripPings(text);
          const streamed = streamThrough(createPingFilter(), splitAt(text, cuts));
          expect(streamed).toBe(expected);
          expect(streamed).not.toMatch(PING_LEFT);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('NO_ANSWER', () => {
  it('recognises NO_ANSWER with noise around it', () => {
    for (const t of [
      'NO_ANSWER',
      ' no_answer.',
      '"NO_ANSWER"',
      '**NO ANSWER**',
      'NO\\_ANSWER',
      'NO_ANSWER The passages…',
    ]) {
      expect(isNoAnswer(t)).toBe(true);
    }
    for (const t of [
      'No, returns take 30 days.',
      'Not available [1]',
      'The answer is NO_ANSWER',
      'No answers needed',
    ]) {
      expect(isNoAnswer(t)).toBe(false);
    }
  });

  it('never streams a NO_ANSWER reply, for any split (property)', () => {
    const reply = fc.constantFrom('NO_ANSWER', ' NO_ANSWER', '"no_answer"', 'NO ANSWER.', '`NO_ANSWER`\n');
    fc.assert(
      fc.property(reply, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const f = createAnswerStreamFilter();
        expect(streamThrough(f, splitAt(text, cuts))).toBe('');
        expect(f.noAnswer).toBe(true);
      }),
    );
  });

  it('streams ordinary answers promptly, pings stripped, starting "No" included', () => {
    const f = createAnswerStreamFilter();
    expect(f.push('No')).toBe('');
    expect(f.push(', returns')).toBe('No, returns');
    expect(f.push(' take <!here> 30 days [1].')).toBe(' take   30 days [1].');
    expect(f.end()).toBe('');
    expect(f.noAnswer).toBe(false);

    const g = createAnswerStreamFilter();
    expect(g.push('Items')).toBe('Items');
    expect(streamThrough(createAnswerStreamFilter(), ['N'])).toBe('N');
  });

  it('equals stripPings of the whole answer for any split (property)', () => {
    const fragment = fc.constantFrom(
      'No',
      ' ',
      'answer',
      '_',
      '<!here>',
      '@channel',
      'Refunds take 5 days',
      '[2]',
      '.',
    );
    fc.assert(
      fc.property(
        fc.array(fragment, { minLength: 1, maxLength: 15 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (parts, cuts) => {
          const text = parts.join('');
          const out = streamThrough(createAnswerStreamFilter(), splitAt(text, cuts));
          expect(out).toBe(isNoAnswer(text) ? '' : stripPings(text));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('mapCitations', () => {
  const passages = [{ n: 1 }, { n: 2 }, { n: 3 }];

  it('normalises citations, drops unknown numbers, reports first-use order', () => {
    const r = mapCitations(
      'Refunds take 5 days [2]. Returns within 30 days [1, 3]. Fees apply [7]. 运费【2】',
      passages,
    );
    expect(r.text).toBe('Refunds take 5 days [2]. Returns within 30 days [1][3]. Fees apply. 运费[2]');
    expect(r.cited).toEqual([2, 1, 3]);
  });

  it('expands ranges and maps refs', () => {
    const refs = [
      { n: 1, source: 'a.md' },
      { n: 2, source: 'b.md' },
      { n: 3, source: 'c.md' },
    ];
    const r = mapCitations('See [2-3] and [9, 1].', passages, refs);
    expect(r.text).toBe('See [2][3] and [1].');
    expect(r.refs.map((x) => x.source)).toEqual(['b.md', 'c.md', 'a.md']);
  });
});
