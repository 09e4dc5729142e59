/**
 * Text safety for everything the bot sends to Slack. The pipeline strips pings too, but Slack must
 * be safe on its own: knowledge files, model output and user questions all flow through here.
 */

// `<!channel>`, `<!here>`, `<!everyone>`, legacy `<!group>`, user-group pings `<!subteam^S123|@team>`.
const SPECIAL_MENTION = /<!(?:channel|here|everyone|group)(?:\|[^>]*)?>|<!subteam\^[^>]*>/gi;
// Plain `@here` is turned into a ping by markdown_text and link_names; keep the word, drop the `@`.
const PLAIN_MENTION = /@(channel|here|everyone)\b/gi;

export function stripPings(text: string): string {
  return text.replace(SPECIAL_MENTION, '').replace(PLAIN_MENTION, '$1');
}

/** How far back an unfinished `<…` may start and still be held (Slack tokens are short). */
const HOLD_WINDOW = 40;
const PLAIN_WORDS = ['channel', 'here', 'everyone'];

/**
 * Splits streamed text into what can be sent now and a tail to hold until more arrives, so a ping
 * cut across two tokens (`<!chan` + `nel>`, `@he` + `re`) is never sent in halves that Slack would
 * join back into a ping. Only the tail is held; everything before it is safe to sanitize and send.
 */
export function splitHoldBack(text: string): [send: string, hold: string] {
  let cut = text.length;
  const lt = text.lastIndexOf('<');
  if (lt !== -1 && text.indexOf('>', lt) === -1 && text.length - lt <= HOLD_WINDOW) cut = lt;
  const at = text.lastIndexOf('@');
  if (at !== -1 && at < cut) {
    const tail = text.slice(at + 1).toLowerCase();
    if (PLAIN_WORDS.some((w) => w.startsWith(tail))) cut = at;
  }
  return [text.slice(0, cut), text.slice(cut)];
}

/** Escapes text for mrkdwn fields (Slack needs &, <, > escaped; this also defuses any `<!…>`). */
export function escapeMrkdwn(text: string): string {
  return neutralizeForeign(text);
}

/** Removes the bot's own mention (`<@UBOT>` or `<@UBOT|name>`) and tidies the whitespace. */
export function stripBotMention(text: string, botUserId: string | undefined): string {
  const pattern = botUserId
    ? new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, 'g')
    : /^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>/;
  return text.replace(pattern, ' ').replace(/\s+/g, ' ').trim();
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair, adding an ellipsis. */
export function truncate(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ellipsis.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + ellipsis;
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Bidirectional control characters (LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI, LRM/RLM/ALM): they can
 * make text read differently from what it is ("Trojan Source"), e.g. hide where a link points.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function stripBidi(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

/**
 * Text that did not come from Slack itself (a web asker's question or follow-up, a console
 * agent's reply or name, model output) made inert for Slack: bidi controls removed and `& < >`
 * escaped, so `<@U…>`, `<!channel>` and `<https://evil|label>` show as typed and never ping or
 * disguise a link. Pure; safe for both mrkdwn fields and a message's notification `text`.
 */
export function neutralizeForeign(text: string): string {
  return stripPings(stripBidi(text)).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
