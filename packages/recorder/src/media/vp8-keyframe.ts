// Whether an RTP packet starts a VP8 key frame (RFC 7741 §4.2–4.3): the payload descriptor's S bit
// and partition index 0, then the VP8 payload header's P bit clear. The composer waits for one per
// video source: ffmpeg learns a VP8 stream's frame size only from a key frame.

/** True when `payload` (the RTP payload) is the first packet of a VP8 key frame. Never throws. */
export function isVp8KeyFrameStart(payload: Uint8Array): boolean {
  const first = payload[0];
  if (first === undefined) return false;
  const isStart = (first & 0x10) !== 0 && (first & 0x07) === 0;
  if (!isStart) return false;
  let i = 1;
  if ((first & 0x80) !== 0) {
    const ext = payload[i++];
    if (ext === undefined) return false;
    if ((ext & 0x80) !== 0) i += ((payload[i] ?? 0) & 0x80) !== 0 ? 2 : 1;
    if ((ext & 0x40) !== 0) i += 1;
    if ((ext & 0x30) !== 0) i += 1;
  }
  const header = payload[i];
  return header !== undefined && (header & 0x01) === 0;
}
