import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Safety rules, loaded from plain-text lists that admins edit (knowledge/safety/*.txt): one rule a
 * line; `#` starts a comment line; a line starting with `re:` is a regular expression (matched
 * case-insensitively); every other line is a keyword (matched case-insensitively, anywhere, also
 * inside words and in Chinese text without spaces).
 */
export interface SafetyRule {
  /** Where the rule lives, shown to admins: `file.txt:12`. */
  id: string;
  kind: 'keyword' | 'regex';
  pattern: string;
}

export function parseRules(text: string, file: string): SafetyRule[] {
  const rules: SafetyRule[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const id = `${file}:${i + 1}`;
    if (line.startsWith('re:')) {
      const pattern = line.slice(3).trim();
      try {
        new RegExp(pattern, 'iu');
      } catch (err) {
        throw new Error(`Safety list ${id}: invalid regular expression (${(err as Error).message})`);
      }
      if (pattern) rules.push({ id, kind: 'regex', pattern });
    } else {
      rules.push({ id, kind: 'keyword', pattern: line });
    }
  }
  return rules;
}

/** Every `*.txt` in `dir`, in name order; a missing folder means no rules. */
export function loadRules(dir: string): SafetyRule[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.txt') && !n.startsWith('.'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.sort().flatMap((n) => parseRules(readFileSync(path.join(dir, n), 'utf8'), n));
}
