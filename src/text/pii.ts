/**
 * Scrubs personal data from a human answer before it becomes knowledge: whatever is
 * saved is retrieved for every future asker, so one customer's email, phone or card number must
 * never be repeated to another. Errs on the side of scrubbing: an order id that happens to look
 * like a phone number is a smaller loss than a leaked phone number.
 *
 * Works on English and Chinese text: the patterns guard against adjacent digits only (not word
 * boundaries), because Chinese has no spaces ("电话13800138000"). Replacements contain no digits
 * or "@", so scrubbing is idempotent.
 */
export const PII_TOKENS = { email: '[email]', phone: '[phone]', card: '[card number]' } as const;

// Emails are found by a hand-written scan around each "@" (see scrubEmails), not by a regex:
// the obvious regex backtracks quadratically on a long run of name characters with no "@".
// Local part: the RFC 5322 atom characters (what people and fast-check actually use).
const ATOM = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-")
  ATOM[c.charCodeAt(0)] = 1;
const isAtom = (c: number) => c < 128 && ATOM[c] === 1;
const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDomainChar = (c: number) => isAlnum(c) || c === 45 || c === 46; // letters, digits, "-", "."

/** Start of the local part that ends right before `at` (atoms joined by single dots), or -1. */
function localStart(text: string, at: number, floor: number): number {
  if (at - 1 < floor || !isAtom(text.charCodeAt(at - 1))) return -1;
  let s = at - 1;
  while (s > floor) {
    const c = text.charCodeAt(s - 1);
    if (isAtom(c)) s--;
    else if (c === 46 && s - 2 >= floor && isAtom(text.charCodeAt(s - 2))) s -= 2;
    else break;
  }
  return s;
}

/** Length of the domain after `at`: one or more labels with a dot, then a letter-led TLD. */
function domainLength(text: string, at: number): number {
  let e = at + 1;
  while (e < text.length && isDomainChar(text.charCodeAt(e))) e++;
  const parts = text.slice(at + 1, e).split('.');
  const validLabel = (p: string) =>
    p.length > 0 && isAlnum(p.charCodeAt(0)) && isAlnum(p.charCodeAt(p.length - 1));
  let labels = 0;
  while (labels < parts.length - 1 && validLabel(parts[labels] as string)) labels++;
  // Greedy like the regex it replaces: the most labels whose next part starts a valid TLD.
  for (let k = labels; k >= 1; k--) {
    const part = parts[k] as string;
    let tld = part.length;
    while (tld > 0 && !isAlnum(part.charCodeAt(tld - 1))) tld--;
    if (tld >= 2 && isLetter(part.charCodeAt(0))) {
      let len = k; // the dots after each label
      for (let i = 0; i < k; i++) len += (parts[i] as string).length;
      return len + tld;
    }
  }
  return 0;
}

/** Replaces every email address; linear in the text (each scan stops at the next "@"). */
export function scrubEmails(text: string): string {
  let out = '';
  let pos = 0;
  let at = text.indexOf('@');
  while (at !== -1) {
    const start = localStart(text, at, pos);
    const domain = start === -1 ? 0 : domainLength(text, at);
    if (domain > 0) {
      out += `${text.slice(pos, start)}${PII_TOKENS.email}`;
      pos = at + 1 + domain;
      at = text.indexOf('@', pos);
    } else at = text.indexOf('@', at + 1);
  }
  return pos === 0 ? text : out + text.slice(pos);
}

// Digit groups separated by single spaces or dashes: candidate card numbers (13–19 digits).
const DIGIT_RUN = /(?<!\d)\d+(?:[ -]\d+)*(?!\d)/g;

const PHONES: RegExp[] = [
  // International: +1 (206) 555-0134, +86 138-0013-8000, +86 10 1234 5678, +441632960961
  /(?<!\d)\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){1,5}(?!\d)/g,
  // North American: (206) 555-0134, 206-555-0134, 206.555.0134, 206 555 0134
  /(?<!\d)(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\d)/g,
  // Chinese mobile: 13800138000, 138 0013 8000, 138-0013-8000
  /(?<!\d)1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)/g,
  // Chinese landline with area code: 010-12345678, 0755-1234567, (010) 1234 5678, 021 6123 4567
  /(?<!\d)(?:\(0\d{2,3}\) ?|0\d{2,3}[ -]?)\d{3,4}[ -]?\d{4}(?!\d)/g,
];

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * Card numbers: within each run of digit groups, the longest Luhn-valid span of whole groups with
 * 13–19 digits, so "ref 5 4111 1111 1111 1111" still finds the card after the stray "5".
 */
function scrubCards(text: string): string {
  return text.replace(DIGIT_RUN, (run) => {
    const groups = [...run.matchAll(/\d+/g)].map((m) => ({
      start: m.index,
      end: m.index + m[0].length,
      d: m[0],
    }));
    const cuts: Array<{ start: number; end: number }> = [];
    let i = 0;
    while (i < groups.length) {
      let found = -1;
      let digits = '';
      for (let j = i; j < groups.length; j++) {
        digits += groups[j]!.d;
        if (digits.length > 19) break;
        if (digits.length >= 13 && luhnValid(digits)) found = j;
      }
      if (found >= 0) {
        cuts.push({ start: groups[i]!.start, end: groups[found]!.end });
        i = found + 1;
      } else i++;
    }
    let out = '';
    let pos = 0;
    for (const c of cuts) {
      out += `${run.slice(pos, c.start)}${PII_TOKENS.card}`;
      pos = c.end;
    }
    return out + run.slice(pos);
  });
}

function scrubPhones(text: string): string {
  let out = text;
  for (const re of PHONES) {
    out = out.replace(re, (m) => {
      const digits = m.replace(/\D/g, '').length;
      // 7+ digits after the country code: shorter "+1 2" is a sum, not a phone.
      return digits >= 8 && digits <= 15 ? PII_TOKENS.phone : m;
    });
  }
  return out;
}

function scrubOnce(text: string): string {
  // Emails first (they may hold digits), cards before phones (a card's groups look like a phone).
  return scrubPhones(scrubCards(scrubEmails(text)));
}

/**
 * Replaces emails, card numbers and phone numbers with placeholders. Repeats until nothing
 * changes: removing one number can free a neighbour that a guard had blocked ("…000+1 206…"),
 * and running to a fixed point is what makes scrubbing idempotent. Each pass that changes the
 * text removes digits, so this ends.
 */
export function scrubPii(text: string): string {
  let out = text;
  for (;;) {
    const next = scrubOnce(out);
    if (next === out) return out;
    out = next;
  }
}
