/**
 * A tiny incremental Server-Sent Events parser for the browser (fetch + ReadableStream; EventSource
 * cannot POST). Network chunks split events, lines and even "\r\n" pairs anywhere, so the parser
 * keeps the unfinished tail and only dispatches an event at its blank line.
 *
 * @param {(event: { event: string, data: string }) => void} onEvent
 * @returns {{ feed: (chunk: string) => void }}
 */
export function createSseParser(onEvent) {
  let buffer = '';
  let eventName = '';
  /** @type {string[]} */
  let data = [];
  let first = true;

  /** @param {string} line */
  function processLine(line) {
    if (line === '') {
      if (data.length > 0) onEvent({ event: eventName || 'message', data: data.join('\n') });
      eventName = '';
      data = [];
      return;
    }
    if (line.startsWith(':')) return; // comment (heartbeat)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') eventName = value;
    else if (field === 'data') data.push(value);
  }

  return {
    feed(chunk) {
      buffer += chunk;
      if (first && buffer.length > 0) {
        first = false;
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
      }
      const lineBreak = /\r\n|\r|\n/g;
      let start = 0;
      for (;;) {
        const m = lineBreak.exec(buffer);
        if (!m) break;
        // A lone "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
        if (m[0] === '\r' && m.index === buffer.length - 1) break;
        processLine(buffer.slice(start, m.index));
        start = lineBreak.lastIndex;
      }
      buffer = buffer.slice(start);
    },
  };
}
