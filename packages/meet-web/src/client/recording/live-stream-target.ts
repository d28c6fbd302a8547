// What a live stream may go to, checked the way the recorder checks it (packages/recorder
// stream-target.ts): an rtmp:// or rtmps:// URL, or a bare stream key (letters, digits, `.`, `_`, `-`)
// that the recorder sends to YouTube's ingest. Pure: the dialog and the core both use it.

const STREAM_KEY = /^[A-Za-z0-9._-]{1,200}$/;
const STREAM_URL = /^rtmps?:\/\/[^\s/?#]+(\/\S*)?$/i;
const MAX_TARGET_CHARS = 2048;

/** The target trimmed, or undefined when it is neither a stream key nor an rtmp(s):// URL. */
export function liveStreamTarget(input: string): string | undefined {
  const target = input.trim();
  if (target.length === 0 || target.length > MAX_TARGET_CHARS) return undefined;
  return STREAM_KEY.test(target) || STREAM_URL.test(target) ? target : undefined;
}
