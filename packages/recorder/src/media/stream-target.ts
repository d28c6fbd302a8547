// Where a live stream goes (protocols.md §6 `streamid`): an rtmp:// or rtmps:// URL, or a bare
// stream key appended to the configured base URL (YouTube's ingest by default, as Jibri does).
// Nothing else reaches ffmpeg as an output: a `file:` or other URL would let a moderator make the
// recorder write files or contact arbitrary services. The key is a secret: only the redacted form
// is ever logged.
import type { Result } from '@plenum/kit';
import { err, ok } from '@plenum/kit';

export type StreamTarget = {
  /** The full URL ffmpeg pushes to (contains the key: never log it). */
  readonly url: string;
  /** The URL with its stream key replaced by `***`, for logs. */
  readonly redacted: string;
};

const MAX_STREAM_ID_CHARS = 1_000;
const BARE_KEY = /^[A-Za-z0-9_.-]{1,200}$/;
const RTMP_URL = /^(rtmps?):\/\/([^/\s?#]+)(\/[^\s]*)?$/i;

/** Replaces every occurrence of the target's URL and key in `text` (ffmpeg's messages quote the URL). */
export function redactStreamTarget(text: string, target: StreamTarget): string {
  let out = text.split(target.url).join(target.redacted);
  const key = keyOf(target.url);
  if (key !== undefined && key.length >= 4) out = out.split(key).join('***');
  return out;
}

/** The last path segment and the query: what RTMP services use as the stream key. */
function keyOf(url: string): string | undefined {
  const m = RTMP_URL.exec(url);
  const path = m?.[3];
  if (path === undefined) return undefined;
  const cut = path.lastIndexOf('/');
  const key = path.slice(cut + 1);
  return key === '' ? undefined : key;
}

/** The target for a `streamid`, or why it cannot be streamed to. */
export function resolveStreamTarget(streamId: string, defaultBaseUrl: string): Result<StreamTarget, string> {
  const id = streamId.trim();
  if (id === '' || id.length > MAX_STREAM_ID_CHARS) return err('streamid must be an rtmp:// URL or a stream key');
  let url: string;
  if (id.includes('://')) {
    if (!RTMP_URL.test(id)) return err('streamid must be an rtmp:// or rtmps:// URL or a stream key');
    url = id;
  } else {
    if (!BARE_KEY.test(id)) return err('a stream key may contain only letters, digits, ".", "_" and "-"');
    url = `${defaultBaseUrl.replace(/\/+$/, '')}/${id}`;
  }
  const key = keyOf(url);
  const keyless = key === undefined ? url : `${url.slice(0, url.length - key.length)}***`;
  // user:password@host is a secret too.
  const redacted = keyless.replace(/^(rtmps?:\/\/)[^/@]*@/i, '$1***@');
  return ok({ url, redacted });
}
