import { describe, expect, it } from 'vitest';
import { parseRobots } from '../../../src/sources/robots.js';

describe('robots.txt', () => {
  const text = `# comment
User-agent: otherbot
Disallow: /

User-agent: *
Disallow: /help/private
Allow: /help/private/public-*
Disallow: /*.pdf$
`;
  it('uses the * group, longest match wins, Allow on the more specific rule, $ anchors', () => {
    const r = parseRobots('http://x/robots.txt', text, 'merchant-copilot-sync');
    expect(r.allowed('http://x/help/faq')).toBe(true);
    expect(r.allowed('http://x/help/private/a')).toBe(false);
    expect(r.allowed('http://x/help/private/public-faq')).toBe(true);
    expect(r.allowed('http://x/docs/a.pdf')).toBe(false);
    expect(r.allowed('http://x/docs/a.pdf?x=1')).toBe(true);
  });
  it('a group naming the agent replaces the * group', () => {
    expect(parseRobots('http://x/robots.txt', text, 'OtherBot/1.0').allowed('http://x/help/faq')).toBe(false);
  });
  it('rules of one origin do not apply to another', () => {
    expect(parseRobots('http://x/robots.txt', text, 'a').allowed('http://y/help/private/a')).toBe(true);
  });
  it('empty or missing rules allow everything', () => {
    expect(parseRobots('http://x/robots.txt', '', 'a').allowed('http://x/a')).toBe(true);
    expect(parseRobots('http://x/robots.txt', 'User-agent: *\nDisallow:\n', 'a').allowed('http://x/a')).toBe(
      true,
    );
  });
});
