// The Data Channel Establishment Protocol (RFC 8832) and the payload protocol identifiers of WebRTC
// data channels (RFC 8831 §8): what the bridge reads from the client's DATA_CHANNEL_OPEN and the
// one-byte DATA_CHANNEL_ACK it answers. Pure.

/** SCTP payload protocol identifiers (IANA; RFC 8831 §8, RFC 8832 §8.1). */
export const PPID = {
  dcep: 50,
  string: 51,
  binary: 53,
  emptyString: 56,
  emptyBinary: 57,
} as const;

const MESSAGE_OPEN = 0x03;
const MESSAGE_ACK = 0x02;
/** Type 1 + channel type 1 + priority 2 + reliability 4 + label length 2 + protocol length 2. */
const OPEN_HEADER_BYTES = 12;

/** RFC 8832 §5.1 channel types: reliable or not, ordered or not. */
export type DataChannelReliability = 'reliable' | 'partial-reliable-rexmit' | 'partial-reliable-timed';

/** A DATA_CHANNEL_OPEN as the bridge reads it. */
export type DataChannelOpen = {
  readonly label: string;
  readonly protocol: string;
  readonly isOrdered: boolean;
  readonly reliability: DataChannelReliability;
};

/** Why a DCEP message was refused. */
export type DcepError = 'not-open' | 'truncated' | 'unknown-channel-type' | 'bad-utf8';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads a DATA_CHANNEL_OPEN (RFC 8832 §5.1); anything else is an error (the bridge never opens channels, so it never gets an ACK). */
export function parseDataChannelOpen(message: Uint8Array): { ok: true; value: DataChannelOpen } | { ok: false; error: DcepError } {
  if (message.length < 1 || message[0] !== MESSAGE_OPEN) return { ok: false, error: 'not-open' };
  if (message.length < OPEN_HEADER_BYTES) return { ok: false, error: 'truncated' };
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const channelType = view.getUint8(1);
  const labelLength = view.getUint16(8);
  const protocolLength = view.getUint16(10);
  if (OPEN_HEADER_BYTES + labelLength + protocolLength > message.length) return { ok: false, error: 'truncated' };
  // 0x00 reliable, 0x01 rexmit, 0x02 timed; the high bit (0x80) marks the unordered variants.
  const base = channelType & 0x7f;
  if ((channelType & 0x7c) !== 0 || base > 2) return { ok: false, error: 'unknown-channel-type' };
  try {
    const label = decoder.decode(message.subarray(OPEN_HEADER_BYTES, OPEN_HEADER_BYTES + labelLength));
    const protocol = decoder.decode(message.subarray(OPEN_HEADER_BYTES + labelLength, OPEN_HEADER_BYTES + labelLength + protocolLength));
    const reliability: DataChannelReliability = base === 0 ? 'reliable' : base === 1 ? 'partial-reliable-rexmit' : 'partial-reliable-timed';
    return { ok: true, value: { label, protocol, isOrdered: (channelType & 0x80) === 0, reliability } };
  } catch {
    return { ok: false, error: 'bad-utf8' };
  }
}

/** DATA_CHANNEL_ACK (RFC 8832 §5.2). */
export const DATA_CHANNEL_ACK: Buffer = Buffer.from([MESSAGE_ACK]);

/** A DATA_CHANNEL_OPEN (for tests and peers written here; the bridge itself never opens channels). */
export function encodeDataChannelOpen(label: string, protocol: string): Buffer {
  const l = Buffer.from(label, 'utf8');
  const p = Buffer.from(protocol, 'utf8');
  const out = Buffer.alloc(OPEN_HEADER_BYTES + l.length + p.length);
  out[0] = MESSAGE_OPEN;
  out.writeUInt16BE(l.length, 8);
  out.writeUInt16BE(p.length, 10);
  l.copy(out, OPEN_HEADER_BYTES);
  p.copy(out, OPEN_HEADER_BYTES + l.length);
  return out;
}
