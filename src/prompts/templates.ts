import fs from 'node:fs';
import path from 'node:path';
import type { Language } from '../domain/llm.js';
import { CopilotError } from '../errors.js';

/** The prompt templates, loaded once at start-up (prompts are files, overridable). */
export interface Templates {
  system: Record<Language, string>;
  /** The user message: numbered passages, then the question. */
  user: string;
  /** Rewrites a follow-up into a standalone question. */
  condense: string;
}

/** Each file and the placeholders it must contain: a template without them would silently drop data. */
const FILES = {
  'system.en.md': [],
  'system.zh.md': [],
  'user.md': ['passages', 'question'],
  'condense.md': ['history', 'question'],
} as const satisfies Record<string, readonly string[]>;

type FileName = keyof typeof FILES;

const BUILT_IN_DIR = import.meta.dirname;

/**
 * Reads the templates shipped next to this file; a file of the same name in `overrideDir`
 * (config PROMPTS_DIR) replaces the built-in one, file by file. Fails fast on a missing
 * directory, file or required placeholder, so a broken override never reaches a user.
 */
export function loadTemplates(overrideDir?: string): Templates {
  if (overrideDir !== undefined && !isDirectory(overrideDir)) {
    throw new CopilotError('config:prompts', `PROMPTS_DIR ${overrideDir} is not a directory.`, {
      hint: 'Point PROMPTS_DIR at a folder of prompt files (system.en.md, user.md, …) or unset it.',
    });
  }
  const read = (name: FileName): string => {
    const override = overrideDir === undefined ? undefined : path.join(overrideDir, name);
    const file = override && fs.existsSync(override) ? override : path.join(BUILT_IN_DIR, name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new CopilotError('config:prompts', `Prompt template ${name} could not be read (${file}).`, {
        cause: err,
        hint: 'Restore the file in src/prompts or provide it in PROMPTS_DIR.',
      });
    }
    for (const placeholder of FILES[name]) {
      if (!text.includes(`{{${placeholder}}}`)) {
        throw new CopilotError('config:prompts', `Prompt template ${file} is missing {{${placeholder}}}.`, {
          hint: `Add {{${placeholder}}} to ${name}; the prompt needs it.`,
        });
      }
    }
    return text.trim();
  };
  return {
    system: { en: read('system.en.md'), zh: read('system.zh.md') },
    user: read('user.md'),
    condense: read('condense.md'),
  };
}

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/**
 * `{{name}}` substitution in one pass: substituted values are never scanned again, so a passage
 * or question containing `{{question}}` stays literal. Unknown placeholders are left as they are.
 */
export function render(template: string, vars: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (match, name: string) =>
    Object.hasOwn(vars, name) ? vars[name]! : match,
  );
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
