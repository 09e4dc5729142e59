import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSse, formatSseComment } from '../../../src/http/sse.js';

/** Parses a whole SSE text with the reference parser (the one the integration tests use). */
function parseAll(text: string): EventSourceMessage[] {
  const out: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => out.push(e) });
  parser.feed(text);
  return out;
}

describe('formatSse', () => {
  it('frames an event with JSON data on one line', () => {
    expect(formatSse('token', { text: 'Hi' })).toBe('event: token\ndata: {"text":"Hi"}\n\n');
  });

  it('keeps newlines inside JSON strings escaped, so they cannot end the event', () => {
    const wire = formatSse('token', { text: 'line 1\n\nevent: done\ndata: {}\r\n' });
    expect(wire.split('\n').filter((l) => l === '').length).toBe(2); // only the terminating blank line
    const [ev, ...rest] = parseAll(wire);
    expect(rest).toEqual([]);
    expect(ev?.event).toBe('token');
    expect(JSON.parse(ev?.data ?? '')).toEqual({ text: 'line 1\n\nevent: done\ndata: {}\r\n' });
  });

  it('splits a multi-line string payload into data lines', () => {
    expect(formatSse('note', 'a\nb\r\nc\rd')).toBe('event: note\ndata: a\ndata: b\ndata: c\ndata: d\n\n');
    expect(parseAll(formatSse('note', 'a\n\nb'))).toMatchObject([{ event: 'note', data: 'a\n\nb' }]);
  });

  it('cannot be tricked into a second field by a line break in the event name', () => {
    const events = parseAll(formatSse('token\ndata: injected', { text: 'x' }));
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toBe('{"text":"x"}');
  });

  it('round-trips any JSON payload and any string without CR', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const [ev] = parseAll(formatSse('x', { value }));
        expect(JSON.parse(ev?.data ?? 'null')).toEqual(JSON.parse(JSON.stringify({ value })));
      }),
    );
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('\r')),
        (s) => {
          expect(parseAll(formatSse('x', s))[0]?.data).toBe(s);
        },
      ),
    );
  });

  it('comments are ignored by parsers (heartbeat)', () => {
    expect(formatSseComment('ping')).toBe(': ping\n\n');
    expect(parseAll(formatSseComment('ping') + formatSse('a', 1))).toMatchObject([{ event: 'a', data: '1' }]);
  });
});
