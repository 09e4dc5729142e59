import type { Outcome, SpaceRequest } from './types.js';

/** What the space rules read: Slack's channel mapping and the spaces of the served index. */
export interface SpaceDirectory {
  /** spaces.json for a Slack channel; null when no space may be used there. */
  forChannel(team: string, channel: string): string | null;
  /** The spaces being served, and whether each is public (private ones exist only for Slack). */
  list(): Promise<Array<{ name: string; public: boolean }>>;
}

export const NO_SPACE_NOTE =
  "I'm not set up to answer in this conversation yet. An admin can map it to a knowledge space in knowledge/spaces.json.";

type Refused = NonNullable<Outcome['error']>;

/**
 * The space of a message, or why there is none. A named space matches exactly, then ignoring
 * case; unknown names are not listed back (some spaces are private). Without a name: `default`
 * (or the only space there is).
 */
export async function resolveSpace(
  dir: SpaceDirectory,
  req: SpaceRequest,
): Promise<{ space: string } | { refused: Refused }> {
  if ('channel' in req) {
    const space = dir.forChannel(req.channel.team, req.channel.channel);
    return space ? { space } : { refused: { code: 'space:none', message: NO_SPACE_NOTE, status: 400 } };
  }
  const names = (await dir.list()).filter((s) => req.includePrivate || s.public).map((s) => s.name);
  const requested = req.name;
  if (requested) {
    const match =
      names.find((n) => n === requested) ?? names.find((n) => n.toLowerCase() === requested.toLowerCase());
    if (match) return { space: match };
    return {
      refused: {
        code: 'space:unknown',
        message: `space "${requested}" is not a known space.`,
        hint: 'Leave it out to use the default space.',
        status: 400,
      },
    };
  }
  if (names.includes('default') || names.length === 0) return { space: 'default' };
  if (names.length === 1) return { space: names[0] as string };
  return {
    refused: {
      code: 'space:required',
      message: 'space is required: this copilot serves several spaces.',
      status: 400,
    },
  };
}
