import { createRequire } from 'node:module';

// robots-parser is CommonJS (`module.exports = fn`) while its typings declare an ES default export.
const robotsParser = createRequire(import.meta.url)(
  'robots-parser',
) as typeof import('robots-parser').default;

/** robots.txt rules for one user agent (parsed by `robots-parser`: agent groups, wildcards, `$`, longest match). */
export interface Robots {
  allowed(url: string): boolean;
}

export const ALLOW_ALL: Robots = { allowed: () => true };

/** `robotsUrl` is where the text came from: rules apply to URLs of that origin only. */
export function parseRobots(robotsUrl: string, text: string, userAgent: string): Robots {
  const robots = robotsParser(robotsUrl, text);
  const origin = new URL(robotsUrl).origin;
  return {
    allowed(url: string) {
      // Same origin by construction (one parser per origin); undefined would mean another origin.
      if (new URL(url).origin !== origin) return true;
      return robots.isAllowed(url, userAgent) ?? true;
    },
  };
}
