import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CopilotError } from '../errors.js';

/**
 * knowledge/spaces.json (optional): which Slack channels/teams map to which space, and which
 * spaces are private. A space the file does not name is private, except `default` (public unless
 * the file says otherwise), so a folder added at runtime is never served to anonymous web users
 * before someone declares it. Without the file only `default` is public and Slack uses it.
 *
 * The policy travels with the index: each index version stores the spaces.json it was built
 * with (meta.json `policy`), and `livePolicy` follows the version being served, so a reindex
 * (and the hot swap on every replica) applies a changed policy without a restart.
 *
 *   { "spaces":   { "apparel": { "public": false, "label": "Apparel" } },
 *     "channels": { "C0APPAREL1": "apparel" },
 *     "teams":    { "T0HOMEGOODS": "default" } }
 *
 * Rules: a channel mapping wins; a team mapping applies only to public spaces; otherwise
 * `default`. A private space is reachable only from a channel mapped to it — never from the web
 * API, never from an unmapped channel.
 */
const Folder = z
  .string()
  .transform((f) =>
    f
      .replace(/\\/g, '/')
      .replace(/^\.?\/+/, '')
      .replace(/\/*$/, '/'),
  )
  .refine((f) => f !== '/' && !f.split('/').includes('..'), 'must be a folder inside the knowledge folder');

const Schema = z.object({
  spaces: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'space names are letters, digits, "-" and "_"'),
      z.object({
        public: z.boolean().optional(),
        label: z.string().optional(),
        /** Folders (relative to KNOWLEDGE_DIR) whose files belong to this space; default `<name>/`. */
        folders: z.array(Folder).min(1).optional(),
        /** Chat model for this space (e.g. a cheaper one for one business line); default LLM_MODEL. */
        model: z.string().min(1).max(200).optional(),
      }),
    )
    .default({}),
  channels: z.record(z.string(), z.string()).default({}),
  teams: z.record(z.string(), z.string()).default({}),
});

export type SpacesFile = z.infer<typeof Schema>;

export interface SpacePolicy {
  isPublic(space: string): boolean;
  /** The space a Slack conversation may use, or null when none (private default, etc.). */
  forSlack(team: string | undefined, channel: string | undefined): string | null;
  label(space: string): string;
  /** The chat model spaces.json names for this space, if any. */
  model(space: string): string | undefined;
  /** Every model a space names (for the cost table check). */
  models(): string[];
  file: SpacesFile;
}

export function loadSpacePolicy(knowledgeDir: string): SpacePolicy {
  const file = path.join(knowledgeDir, 'spaces.json');
  let raw: unknown = {};
  if (fs.existsSync(file)) {
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (cause) {
      throw new CopilotError('config:spaces', `${file} is not valid JSON.`, {
        cause,
        hint: 'Fix it or remove it.',
      });
    }
  }
  const parsed = Schema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new CopilotError('config:spaces', `${file} is invalid: ${why}`, { hint: 'See README "Spaces".' });
  }
  return createSpacePolicy(parsed.data);
}

export function createSpacePolicy(file: SpacesFile): SpacePolicy {
  const isPublic = (space: string) => file.spaces[space]?.public ?? space === 'default';
  return {
    file,
    isPublic,
    label: (space) => file.spaces[space]?.label ?? space,
    model: (space) => file.spaces[space]?.model,
    models: () => [...new Set(Object.values(file.spaces).flatMap((s) => (s.model ? [s.model] : [])))],
    forSlack(team, channel) {
      const byChannel = channel ? file.channels[channel] : undefined;
      if (byChannel) return byChannel;
      const byTeam = team ? file.teams[team] : undefined;
      if (byTeam && isPublic(byTeam)) return byTeam;
      return isPublic('default') ? 'default' : null;
    },
  };
}

/** Parses a policy stored in an index version (already validated when the index was built). */
export function parseSpacesFile(raw: unknown): SpacesFile {
  return Schema.parse(raw ?? {});
}

/**
 * The policy of the index version being served: re-read whenever the version changes. A
 * version built before policies were stored in the index uses `fallback` (the file at start-up).
 */
export function livePolicy(
  current: () => { version: string; meta: { policy?: unknown } },
  fallback: () => SpacePolicy,
): SpacePolicy {
  let cached: { version: string; policy: SpacePolicy } | null = null;
  const now = (): SpacePolicy => {
    const index = current();
    if (cached?.version !== index.version) {
      const policy =
        index.meta.policy === undefined ? fallback() : createSpacePolicy(parseSpacesFile(index.meta.policy));
      cached = { version: index.version, policy };
    }
    return cached.policy;
  };
  return {
    isPublic: (space) => now().isPublic(space),
    forSlack: (team, channel) => now().forSlack(team, channel),
    label: (space) => now().label(space),
    model: (space) => now().model(space),
    models: () => now().models(),
    get file() {
      return now().file;
    },
  };
}

/**
 * Which space a knowledge file belongs to. Spaces are declared; folders are organisation: a file
 * belongs to the declared space whose folder is the longest prefix of its path (a declared space
 * without `folders` owns `<name>/`), everything else to `default`. Without spaces.json the whole
 * tree, subfolders included, is `default`.
 */
export function spaceResolver(file: SpacesFile): (source: string) => string {
  const prefixes: Array<{ prefix: string; space: string }> = [];
  for (const [space, decl] of Object.entries(file.spaces)) {
    if (space === 'default' && !decl.folders) continue;
    for (const prefix of decl.folders ?? [`${space}/`]) prefixes.push({ prefix, space });
  }
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  return (source) => prefixes.find((p) => source.startsWith(p.prefix))?.space ?? 'default';
}

/** The folder a space's saved answers go to: its first folder (`default/` for default). */
export function spaceFolder(file: SpacesFile, space: string): string {
  const first = file.spaces[space]?.folders?.[0];
  return (first ?? `${space}/`).replace(/\/$/, '');
}
