// The RTP the load generator sends, built as plain bytes and encrypted ahead of the measured run,
// and the clear-text tag the sinks read back without decrypting.
//
// Every packet carries, in its one-byte header extension block (RFC 8285; SRTP leaves the header in
// the clear): transport-wide-cc (the bridge rewrites it per receiver, as for a browser), audio level
// on audio (it drives dominant speaker), and a TAG of 8 bytes = sender stream index (u32) + packet
// index (u32). The tag rides on the `urn:3gpp:video-orientation` URI, one of the few the bridge
// forwards (extension-id-map.ts): the bridge maps ids, never reads that value. Every endpoint gets
// the same ids, so a receiver finds the tag under TAG_EXT_ID.
import { RTP_EXTENSION_URI } from 'werift-rtp';

export const OPUS_PT = 111;
export const VP8_PT = 96;
export const AUDIO_LEVEL_EXT_ID = 1;
export const TWCC_EXT_ID = 3;
export const TAG_EXT_ID = 4;
export const TAG_EXT_URI = RTP_EXTENSION_URI.videoOrientation;
/** Bytes of an audio packet's payload (Opus at ~32 kbit/s, 20 ms frames). */
export const AUDIO_PAYLOAD_BYTES = 80;

const EXT_BYTES = 4 /* 0xBEDE + length */ + 3 /* twcc */ + 9 /* tag */ + 2 /* audio level or padding */ + 2 /* padding to 4 */;
/** Bytes of every packet's RTP header, extensions included: the payload starts here. */
export const HEADER_BYTES = 12 + EXT_BYTES;

/** Where a stream is in its packet sequence; the generator advances it as it pre-encrypts. */
export type StreamState = {
  readonly ssrc: number;
  readonly kind: 'audio' | 'video';
  /** Global stream index (the tag's first field). */
  readonly index: number;
  /** Packets built so far (the tag's second field of the next one). */
  packets: number;
  /** Packets per video frame (video only). */
  readonly packetsPerFrame: number;
  /** Video: a key frame every this many frames. */
  readonly keyframeEveryFrames: number;
  readonly videoPayloadBytes: number;
  /** Video: the picture size its key frames announce (the bridge learns a simulcast layer's height from them). */
  readonly width: number;
  readonly height: number;
};

/**
 * The plain RTP packet number `state.packets` of the stream (then advances it). Video: VP8 with a
 * picture id, frames of `packetsPerFrame` packets at 30 fps clock steps, key frames periodically
 * (the bridge forwards a stream to a receiver only from a key frame on).
 */
export function nextPlainPacket(state: StreamState, twccSeq: number): Buffer {
  const k = state.packets++;
  const isAudio = state.kind === 'audio';
  const payloadBytes = isAudio ? AUDIO_PAYLOAD_BYTES : state.videoPayloadBytes;
  const p = Buffer.alloc(12 + EXT_BYTES + payloadBytes);
  p[0] = 0x90; // V=2, X=1
  const frame = isAudio ? k : Math.floor(k / state.packetsPerFrame);
  const lastOfFrame = isAudio || k % state.packetsPerFrame === state.packetsPerFrame - 1;
  p[1] = (lastOfFrame ? 0x80 : 0) | (isAudio ? OPUS_PT : VP8_PT);
  p.writeUInt16BE(k & 0xffff, 2);
  p.writeUInt32BE(((isAudio ? frame * 960 : frame * 3000) + 1000) >>> 0, 4);
  p.writeUInt32BE(state.ssrc >>> 0, 8);
  let i = 12;
  p.writeUInt16BE(0xbede, i);
  p.writeUInt16BE((EXT_BYTES - 4) / 4, i + 2);
  i += 4;
  p[i++] = (TWCC_EXT_ID << 4) | 1;
  p.writeUInt16BE(twccSeq & 0xffff, i);
  i += 2;
  p[i++] = (TAG_EXT_ID << 4) | 7;
  p.writeUInt32BE(state.index >>> 0, i);
  p.writeUInt32BE(k >>> 0, i + 4);
  i += 8;
  if (isAudio) {
    p[i++] = (AUDIO_LEVEL_EXT_ID << 4) | 0;
    p[i++] = 0x80 | (k % 100 < 50 ? 30 : 90); // voice activity, alternating loud and quiet
  } else {
    i += 2;
  }
  i += 2; // padding
  if (isAudio) {
    p.fill(0x5a, i);
    return p;
  }
  // VP8 payload descriptor (RFC 7741 §4.2): X=1, S on a frame's first packet, PID=0; I=1, 15-bit picture id.
  const first = k % state.packetsPerFrame === 0;
  const key = frame % state.keyframeEveryFrames === 0;
  p[i++] = 0x80 | (first ? 0x10 : 0);
  p[i++] = 0x80;
  const pictureId = frame & 0x7fff;
  p[i++] = 0x80 | (pictureId >> 8);
  p[i++] = pictureId & 0xff;
  if (first) {
    // VP8 payload header (RFC 7741 §4.3): P=0 for a key frame (then the start code), show_frame=1.
    p[i++] = key ? 0x10 : 0x11;
    p[i++] = 0;
    p[i++] = 0;
    if (key) {
      p[i++] = 0x9d;
      p[i++] = 0x01;
      p[i++] = 0x2a;
      p.writeUInt16LE(state.width, i);
      p.writeUInt16LE(state.height, i + 2);
      i += 4;
    }
  }
  p.fill(0xa5, i);
  return p;
}

/**
 * The tag of an SRTP packet from the bridge: writes sender stream index and packet index into
 * `out` and returns true, or false when the packet has none. Reads the clear header only.
 */
export function readTag(p: Buffer, out: Uint32Array): boolean {
  const len = p.length;
  if (len < 12 || (p[0]! & 0x10) === 0) return false;
  let i = 12 + (p[0]! & 0x0f) * 4;
  if (i + 4 > len || p[i] !== 0xbe || p[i + 1] !== 0xde) return false;
  const end = i + 4 + ((p[i + 2]! << 8) | p[i + 3]!) * 4;
  if (end > len) return false;
  i += 4;
  while (i < end) {
    const h = p[i]!;
    const id = h >> 4;
    if (id === 0) {
      i++;
      continue;
    }
    if (id === 15) return false;
    const l = (h & 0x0f) + 1;
    if (id === TAG_EXT_ID && l === 8 && i + 9 <= end) {
      out[0] = p.readUInt32BE(i + 1);
      out[1] = p.readUInt32BE(i + 5);
      return true;
    }
    i += 1 + l;
  }
  return false;
}
