import fs from 'node:fs';
import path from 'node:path';
import { CopilotError } from '../errors.js';

/**
 * Safety lists, one rule per line, in `*.txt` files that admins edit (KNOWLEDGE_DIR/safety by
 * default). A line is a keyword or phrase (matched case- and width-insensitively, anywhere, also in
 * Chinese text without spaces), or `re:<regular expression>` (JavaScript syntax, case-insensitive).
 * Blank lines and lines starting with `#` are ignored. The file name is the list's name.
 */
export interface SafetyRule {
  /** `<file>:<line>`, shown to admins with every block. */
  id: string;
  list: string;
  kind: 'keyword' | 'regex' | 'moderation';
  /** The keyword (normalised) or the regex source. */
  pattern: string;
}

/** What keyword matching compares: NFKC (full-width → ASCII), lower case, spacing collapsed. */
export function normaliseForSafety(text: string): string {
  // NFKC only changes non-ASCII text; skipping it for ASCII pieces is most of a streamed answer's cost.
  const folded = NON_ASCII.test(text) ? text.normalize('NFKC') : text;
  return folded.toLowerCase().replace(/\s+/gu, ' ');
}

const NON_ASCII = /[^\x00-\x7f]/;

export function parseSafetyList(list: string, text: string): SafetyRule[] {
  const rules: SafetyRule[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const id = `${list}:${i + 1}`;
    if (line.startsWith('re:')) {
      const source = line.slice(3).trim();
      try {
        new RegExp(source, 'iu');
      } catch (cause) {
        throw new CopilotError('config:safety', `Safety rule ${id} is not a valid regular expression.`, {
          cause,
          hint: 'Fix or remove that line.',
        });
      }
      rules.push({ id, list, kind: 'regex', pattern: source });
    } else {
      const keyword = normaliseForSafety(line);
      if (keyword) rules.push({ id, list, kind: 'keyword', pattern: keyword });
    }
  });
  return rules;
}

/** Every `*.txt` in `dir`, in name order; no folder means no rules. */
export function loadSafetyRules(dir: string): SafetyRule[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .flatMap((f) => parseSafetyList(path.basename(f, '.txt'), fs.readFileSync(path.join(dir, f), 'utf8')));
}
