/**
 * Reads a GET event stream (what the web page opens with EventSource) and collects its events.
 * `ready` resolves once the server's first comment arrived, i.e. the subscription is in place.
 */
export function listenSse(url: string) {
  const ctrl = new AbortController();
  const received: Array<{ event: string; data: Record<string, unknown> }> = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    markReady = r;
  });
  void (async () => {
    try {
      const res = await fetch(url, { signal: ctrl.signal });
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        if (buf.includes(': ')) markReady();
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) received.push({ event, data: JSON.parse(data) });
          i = buf.indexOf('\n\n');
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return { ready, received, close: () => ctrl.abort() };
}
