/** Tuning of the Slack answer stream. Defaults suit Slack's rate limits. */
export interface StreamOptions {
  /** Flush the buffered tokens once this many characters are waiting… */
  flushChars: number;
  /** …or at least this often while tokens keep coming. */
  flushIntervalMs: number;
  /** Fallback mode: at most one chat.update per message per this interval (Slack's ~1/s guidance). */
  updateIntervalMs: number;
  /** Fallback mode: continue in a new thread message past this length (text fields cap at 4,000). */
  fallbackMaxChars: number;
  /** Native mode: start a new streamed message past this length (markdown is capped at 12,000). */
  nativeMaxChars: number;
  /** Native mode: largest single append (a flush after a long 429 pause can hold a lot). */
  appendMaxChars: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  flushChars: 200,
  flushIntervalMs: 1000,
  updateIntervalMs: 1000,
  fallbackMaxChars: 3500,
  nativeMaxChars: 11_000,
  appendMaxChars: 4000,
};
