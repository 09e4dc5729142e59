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

// Local part: the RFC 5322 atom characters (what people and fast-check actually use).
const EMAIL =
  /[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]/g;

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
  return scrubPhones(scrubCards(text.replace(EMAIL, PII_TOKENS.email)));
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
