// Which header extensions survive the bridge, and under which id each receiver expects them: the id
// map rtp-header.ts's rewriteRtpExtensionIds applies in place (index = sender's id, value = the
// receiver's id, 0 = zeroed into padding).
//
// As jitsi-videobridge's HeaderExtStripper: extensions are hop-by-hop unless they describe the media
// itself. Forwarded: ssrc-audio-level (RFC 6464), 3GPP video orientation and the AV1 dependency
// descriptor, plus transport-wide-cc, whose value the forwarding loop overwrites per receiver. Dropped:
// sdes:mid / rtp-stream-id / repaired-rtp-stream-id (they name the SENDER's m-lines and encodings; a
// receiver demultiplexes by MID first, so a forwarded MID can misroute), abs-send-time (the sender's
// clock, meaningless after a hop) and anything not listed.

import { RTP_EXTENSION_URI } from 'werift-rtp';

export type ExtensionMapping = { readonly id: number; readonly uri: string };

export const FORWARDED_EXTENSION_URIS: readonly string[] = [
  RTP_EXTENSION_URI.audioLevelIndication,
  RTP_EXTENSION_URI.videoOrientation,
  RTP_EXTENSION_URI.dependencyDescriptor,
  RTP_EXTENSION_URI.transportWideCC,
];

/**
 * The id map from one sender's negotiated extensions to one receiver's. Ids outside 1–255 and URIs the
 * receiver did not negotiate map to 0; the caller builds it when either side (re)negotiates, never
 * per packet.
 */
export function buildExtensionIdMap(
  sender: readonly ExtensionMapping[],
  receiver: readonly ExtensionMapping[],
  forwarded: readonly string[] = FORWARDED_EXTENSION_URIS,
): Uint8Array {
  const map = new Uint8Array(256);
  const receiverId = new Map<string, number>();
  for (const r of receiver) if (r.id >= 1 && r.id <= 255) receiverId.set(r.uri, r.id);
  for (const s of sender) {
    if (s.id < 1 || s.id > 255 || !forwarded.includes(s.uri)) continue;
    map[s.id] = receiverId.get(s.uri) ?? 0;
  }
  return map;
}
