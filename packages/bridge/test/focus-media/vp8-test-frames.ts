// Synthetic VP8 RTP payloads (RFC 7741) for the focus-media tests: a payload descriptor with a 15-bit
// picture id, a VP8 payload header (a key frame's carries the start code and the frame size, which
// the bridge reads to know an encoding's resolution), then a tag the receiver identifies the frame
// by, then filler derived from the tag, so any corruption shows.

/** What a test frame says about itself. */
export type FrameTag = { readonly sender: number; readonly layer: number; readonly k: number };

const DESCRIPTOR_BYTES = 4;
const KEY_HEADER_BYTES = 10;
const DELTA_HEADER_BYTES = 6;

/** One whole frame in one packet. `height` (a key frame's size) defaults to 180 lines, 16:9. */
export function vp8Frame(tag: FrameTag, pictureId: number, isKey: boolean, fillerBytes: number, height = 180): Buffer {
  const width = Math.round((height * 16) / 9);
  const descriptor = [0x90, 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff];
  const header = isKey
    ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, width & 0xff, width >> 8, height & 0xff, height >> 8]
    : [0x11, 0x02, 0x00, 0x00, 0x00, 0x00];
  const b = Buffer.alloc(descriptor.length + header.length + 4 + fillerBytes);
  Buffer.from([...descriptor, ...header]).copy(b);
  const at = descriptor.length + header.length;
  b[at] = tag.sender;
  b[at + 1] = tag.layer;
  b.writeUInt16BE(tag.k & 0xffff, at + 2);
  for (let i = at + 4; i < b.length; i++) b[i] = (tag.sender * 7 + tag.layer * 31 + tag.k * 13 + i) & 0xff;
  return b;
}

/** The frame's parts as received: tag, key or not, picture id; undefined when it is not a test frame. */
export function readVp8Frame(payload: Buffer): { tag: FrameTag; isKey: boolean; pictureId: number; filler: number } | undefined {
  if (payload.length < DESCRIPTOR_BYTES + DELTA_HEADER_BYTES + 4) return undefined;
  const isKey = (payload[DESCRIPTOR_BYTES]! & 0x01) === 0;
  const at = DESCRIPTOR_BYTES + (isKey ? KEY_HEADER_BYTES : DELTA_HEADER_BYTES);
  if (payload.length < at + 4) return undefined;
  const tag = { sender: payload[at]!, layer: payload[at + 1]!, k: payload.readUInt16BE(at + 2) };
  return { tag, isKey, pictureId: ((payload[2]! & 0x7f) << 8) | payload[3]!, filler: payload.length - at - 4 };
}

/** An audio payload: sender, index, filler derived from both. */
export function audioPayload(sender: number, k: number, bytes = 60): Buffer {
  const b = Buffer.alloc(bytes);
  b[0] = 0xa0;
  b[1] = sender;
  b.writeUInt16BE(k & 0xffff, 2);
  for (let i = 4; i < b.length; i++) b[i] = (sender * 31 + k * 7 + i) & 0xff;
  return b;
}
