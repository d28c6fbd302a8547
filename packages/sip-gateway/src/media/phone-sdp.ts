// SDP offer/answer with SIP phones (RFC 4566 syntax, RFC 3264 negotiation): one audio stream,
// G.711/G.722/Opus, RFC 4733 telephone-event, SDES-SRTP (RFC 4568) and hold (RFC 3264 §8.4,
// and the older c=0.0.0.0 form from RFC 2543). Pure functions: no I/O, no randomness.
import { err, ok } from '@plenum/kit';
import type { Result } from '@plenum/kit';
import type { PhoneCodecName, PhoneMediaError } from './phone-audio.ts';
import { PhoneMediaErrors } from './phone-media-error.ts';

/** An SDP media direction attribute (RFC 3264 §5.1). */
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One payload format of an m= line, with its rtpmap (or the static RFC 3551 mapping). */
export type SdpFormat = {
  readonly payloadType: number;
  readonly encodingName: string;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp: string | undefined;
};

/** An `a=crypto` line (RFC 4568 §9.1). */
export type SdpCrypto = { readonly tag: number; readonly suite: string; readonly keyParams: string };

/** The parts of a phone's SDP the gateway uses. */
export type PhoneSdp = {
  /** Every m= line in order as `media port proto fmt…` (the answer must mirror them, RFC 3264 §6). */
  readonly mediaLines: readonly { readonly media: string; readonly port: number; readonly proto: string; readonly formats: string }[];
  /** Index of the audio m= line in mediaLines. */
  readonly audioIndex: number;
  readonly address: string;
  readonly port: number;
  readonly proto: string;
  readonly formats: readonly SdpFormat[];
  readonly ptimeMs: number | undefined;
  readonly direction: SdpDirection;
  /** c=0.0.0.0 (RFC 2543 hold). */
  readonly isNullAddress: boolean;
  readonly cryptos: readonly SdpCrypto[];
};

// RFC 3551 §6, Table 4: static audio payload types the gateway knows.
const STATIC_FORMATS: Record<number, { name: string; rate: number }> = {
  0: { name: 'PCMU', rate: 8000 },
  8: { name: 'PCMA', rate: 8000 },
  9: { name: 'G722', rate: 8000 },
};

const MAX_SDP_BYTES = 16_384;

/** Parses a phone's SDP; returns `bad-sdp` for malformed input or when no audio stream is usable. */
export function parsePhoneSdp(sdp: string): Result<PhoneSdp, PhoneMediaError> {
  if (sdp.length > MAX_SDP_BYTES) return err(PhoneMediaErrors.badSdp('too large'));
  const lines = sdp.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines[0] !== 'v=0') return err(PhoneMediaErrors.badSdp('missing v=0'));
  let sessionAddress: string | undefined;
  let sessionDirection: SdpDirection = 'sendrecv';
  const mediaLines: { media: string; port: number; proto: string; formats: string }[] = [];
  let audio: {
    index: number; port: number; proto: string; formatIds: number[]; address?: string; direction?: SdpDirection;
    rtpmap: Map<number, { name: string; rate: number; channels: number }>; fmtp: Map<number, string>;
    ptimeMs?: number; cryptos: SdpCrypto[];
  } | undefined;
  let inAudio = false;
  for (const line of lines) {
    if (line[1] !== '=') return err(PhoneMediaErrors.badSdp(`malformed line "${line.slice(0, 40)}"`));
    const type = line[0];
    const value = line.slice(2);
    if (type === 'm') {
      const m = /^(\S+) (\d+)(?:\/\d+)? (\S+) ?(.*)$/.exec(value);
      if (m === null) return err(PhoneMediaErrors.badSdp('malformed m= line'));
      const port = Number(m[2]);
      if (port > 65535) return err(PhoneMediaErrors.badSdp('port out of range'));
      mediaLines.push({ media: m[1]!, port, proto: m[3]!, formats: m[4]!.trim() });
      inAudio = false;
      if (audio === undefined && m[1] === 'audio' && port !== 0 && /^RTP\/S?AVP$/.test(m[3]!)) {
        const formatIds = m[4]!.trim().split(/\s+/).filter((f) => f !== '').map(Number);
        if (formatIds.some((f) => !Number.isInteger(f) || f < 0 || f > 127)) {
          return err(PhoneMediaErrors.badSdp('bad payload type'));
        }
        audio = { index: mediaLines.length - 1, port, proto: m[3]!, formatIds, rtpmap: new Map(), fmtp: new Map(), cryptos: [] };
        inAudio = true;
      }
      continue;
    }
    if (type === 'c') {
      const c = /^IN IP[46] (\S+)$/.exec(value);
      if (c === null) return err(PhoneMediaErrors.badSdp('malformed c= line'));
      const address = c[1]!.split('/')[0]!;
      if (mediaLines.length === 0) sessionAddress = address;
      else if (inAudio && audio !== undefined) audio.address = address;
      continue;
    }
    if (type !== 'a') continue;
    const direction = /^(sendrecv|sendonly|recvonly|inactive)$/.exec(value)?.[1] as SdpDirection | undefined;
    if (direction !== undefined) {
      if (mediaLines.length === 0) sessionDirection = direction;
      else if (inAudio && audio !== undefined) audio.direction = direction;
      continue;
    }
    if (!inAudio || audio === undefined) continue;
    let a: RegExpExecArray | null;
    if ((a = /^rtpmap:(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?$/.exec(value)) !== null) {
      audio.rtpmap.set(Number(a[1]), { name: a[2]!, rate: Number(a[3]), channels: a[4] === undefined ? 1 : Number(a[4]) });
    } else if ((a = /^fmtp:(\d+) (.*)$/.exec(value)) !== null) {
      audio.fmtp.set(Number(a[1]), a[2]!);
    } else if ((a = /^ptime:(\d+)$/.exec(value)) !== null) {
      audio.ptimeMs = Number(a[1]);
    } else if ((a = /^crypto:(\d+) (\S+) (\S+)/.exec(value)) !== null) {
      audio.cryptos.push({ tag: Number(a[1]), suite: a[2]!, keyParams: a[3]! });
    }
  }
  if (audio === undefined) return err(PhoneMediaErrors.badSdp('no audio stream'));
  const address = audio.address ?? sessionAddress;
  if (address === undefined) return err(PhoneMediaErrors.badSdp('no connection address'));
  const formats: SdpFormat[] = [];
  for (const pt of audio.formatIds) {
    const mapped = audio.rtpmap.get(pt);
    const known = STATIC_FORMATS[pt];
    if (mapped !== undefined) {
      formats.push({ payloadType: pt, encodingName: mapped.name, clockRate: mapped.rate, channels: mapped.channels, fmtp: audio.fmtp.get(pt) });
    } else if (known !== undefined) {
      formats.push({ payloadType: pt, encodingName: known.name, clockRate: known.rate, channels: 1, fmtp: audio.fmtp.get(pt) });
    }
  }
  return ok({
    mediaLines,
    audioIndex: audio.index,
    address,
    port: audio.port,
    proto: audio.proto,
    formats,
    ptimeMs: audio.ptimeMs,
    direction: audio.direction ?? sessionDirection,
    isNullAddress: address === '0.0.0.0',
    cryptos: audio.cryptos,
  });
}

/** Finds the format for one of our codecs in an offer (names are case-insensitive, RFC 4566 §6). */
export function findCodec(formats: readonly SdpFormat[], codec: PhoneCodecName): SdpFormat | undefined {
  return formats.find((f) => {
    const name = f.encodingName.toLowerCase();
    switch (codec) {
      case 'PCMU': return name === 'pcmu' && f.clockRate === 8000;
      case 'PCMA': return name === 'pcma' && f.clockRate === 8000;
      case 'G722': return name === 'g722' && f.clockRate === 8000;
      case 'opus': return name === 'opus' && f.clockRate === 48000;
    }
  });
}

/** The phone's telephone-event format, preferring the 8 kHz clock. */
export function findTelephoneEvent(formats: readonly SdpFormat[]): SdpFormat | undefined {
  const events = formats.filter((f) => f.encodingName.toLowerCase() === 'telephone-event');
  return events.find((f) => f.clockRate === 8000) ?? events[0];
}

/** Our direction in the answer for the phone's (RFC 3264 §6.1). */
export function answerDirection(offered: SdpDirection): SdpDirection {
  switch (offered) {
    case 'sendonly': return 'recvonly';
    case 'recvonly': return 'sendonly';
    default: return offered;
  }
}

/** What goes into our SDP's single audio stream. */
export type LocalAudioDescription = {
  readonly sessionId: string;
  readonly sessionVersion: number;
  readonly address: string;
  readonly port: number;
  readonly proto: 'RTP/AVP' | 'RTP/SAVP';
  readonly formats: readonly SdpFormat[];
  readonly ptimeMs: number;
  readonly direction: SdpDirection;
  readonly crypto: SdpCrypto | undefined;
  /** For an answer: the offer's m= lines, the non-audio ones are rejected with port 0. */
  readonly mirror?: { readonly mediaLines: PhoneSdp['mediaLines']; readonly audioIndex: number };
};

/** Serialises our SDP (offer or answer). */
export function writePhoneSdp(d: LocalAudioDescription): string {
  const ipVersion = d.address.includes(':') ? 'IP6' : 'IP4';
  const out = [
    'v=0',
    `o=plenum ${d.sessionId} ${d.sessionVersion} IN ${ipVersion} ${d.address}`,
    's=plenum',
    `c=IN ${ipVersion} ${d.address}`,
    't=0 0',
  ];
  const audioLines = (): void => {
    out.push(`m=audio ${d.port} ${d.proto} ${d.formats.map((f) => f.payloadType).join(' ')}`);
    for (const f of d.formats) {
      out.push(`a=rtpmap:${f.payloadType} ${f.encodingName}/${f.clockRate}${f.channels > 1 ? `/${f.channels}` : ''}`);
      if (f.fmtp !== undefined) out.push(`a=fmtp:${f.payloadType} ${f.fmtp}`);
    }
    out.push(`a=ptime:${d.ptimeMs}`);
    if (d.crypto !== undefined) out.push(`a=crypto:${d.crypto.tag} ${d.crypto.suite} ${d.crypto.keyParams}`);
    out.push(`a=${d.direction}`);
  };
  if (d.mirror === undefined) {
    audioLines();
  } else {
    d.mirror.mediaLines.forEach((m, i) => {
      if (i === d.mirror!.audioIndex) audioLines();
      else out.push(`m=${m.media} 0 ${m.proto} ${m.formats}`);
    });
  }
  return `${out.join('\r\n')}\r\n`;
}
