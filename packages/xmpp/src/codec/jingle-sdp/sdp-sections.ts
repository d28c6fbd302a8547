// Builders for the SDP media sections jingleToSdp writes, with validation of every model value that
// ends up in the text. Jingle arrives from the network: a ufrag holding "\r\na=…" must not inject lines,
// so every string is checked against the grammar of the place it is written to.
import type {
  HeaderExtension, IceCandidate, IceUdpTransport, PayloadType, RtpDescription,
} from '../xep-0166-jingle/jingle-types.ts';
import type { SdpDirection, SdpLine, SdpMedia } from './sdp-types.ts';
import type { SdpAuthor } from './senders.ts';
import { directionFromSenders } from './senders.ts';
import type { SourceTrack } from './source-tracks.ts';
import { MAX_U32 } from './sdp-attribute.ts';

/** Collects the first problems found while building; the builder goes on so one pass finds them. */
export type Checker = {
  word(v: string, what: string): string;
  text(v: string, what: string): string;
  int(v: number, min: number, max: number, what: string): number;
  readonly problems: string[];
};

const WORD = /^[\x21-\x7e]+$/;
const TEXT = /^[\x21-\x7e]+( [\x21-\x7e]+)*$/;
const FMTP_NAME = /^[\x21-\x3a\x3c\x3e-\x7e]+$/; // no ';' or '='
const FMTP_VALUE = /^[\x21-\x3a\x3c-\x7e]+$/; // no ';'
const MSID = /^[\x21-\x7e]+( [\x21-\x7e]+)?$/;
const SSRC_ATTRIBUTE = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;

/** A fresh checker. */
export function makeChecker(): Checker {
  const problems: string[] = [];
  const test = (re: RegExp, v: unknown, what: string): void => {
    if (typeof v !== 'string' || !re.test(v)) problems.push(`${what} ${JSON.stringify(typeof v === 'string' ? v.slice(0, 40) : v)} cannot be written`);
  };
  return {
    problems,
    word: (v, what) => (test(WORD, v, what), v),
    text: (v, what) => (test(TEXT, v, what), v),
    int: (v, min, max, what) => {
      if (!Number.isInteger(v) || v < min || v > max) problems.push(`${what} ${String(v)} is not an integer in ${min}..${max}`);
      return v;
    },
  };
}

// RFC 8839 §4.2.1.1: the default candidate goes into m= and c=; only an IP literal can.
function defaultAddress(t: IceUdpTransport | undefined): { port: number; netAddr: string; ip6: boolean } {
  const c = t?.candidates.find((x) => x.component === 1 && (/^\d{1,3}(\.\d{1,3}){3}$/.test(x.ip) || /^[0-9a-fA-F]*:[0-9a-fA-F:]*$/.test(x.ip)));
  return c ? { port: c.port, netAddr: c.ip, ip6: c.ip.includes(':') } : { port: 9, netAddr: '0.0.0.0', ip6: false };
}

function candidateLine(c: IceCandidate, ck: Checker): SdpLine {
  const ext: { name: string; value: string }[] = [];
  if (c.relAddr !== undefined && c.relPort !== undefined) {
    ext.push({ name: 'raddr', value: ck.word(c.relAddr, 'candidate rel-addr') }, { name: 'rport', value: String(ck.int(c.relPort, 0, 65535, 'candidate rel-port')) });
  }
  if (c.protocol === 'tcp' && c.tcpType !== undefined) ext.push({ name: 'tcptype', value: ck.word(c.tcpType, 'candidate tcptype') });
  ext.push({ name: 'generation', value: String(ck.int(c.generation, 0, MAX_U32, 'candidate generation')) });
  if (c.network !== undefined) ext.push({ name: 'network-id', value: String(ck.int(c.network, 0, MAX_U32, 'candidate network')) });
  if (c.protocol !== 'udp' && c.protocol !== 'tcp') ck.problems.push(`candidate protocol ${JSON.stringify(c.protocol)} cannot be written`);
  return {
    kind: 'candidate',
    candidate: {
      foundation: ck.word(c.foundation, 'candidate foundation'), component: ck.int(c.component, 1, 256, 'candidate component'),
      transport: c.protocol, priority: ck.int(c.priority, 0, MAX_U32, 'candidate priority'), address: ck.word(c.ip, 'candidate ip'),
      port: ck.int(c.port, 0, 65535, 'candidate port'), type: ck.word(c.type, 'candidate type'), extensions: ext,
    },
  };
}

/** Where a section sits: mid, port 0 for a rejected slot, and whether it carries candidates. */
export type SectionPlace = { readonly mid: string; readonly rejected: boolean; readonly withCandidates: boolean };

// c=, candidates, ICE credentials, DTLS fingerprints and setup (Chrome's order).
function transportLines(t: IceUdpTransport | undefined, place: SectionPlace, ck: Checker): { lines: SdpLine[]; port: number } {
  const def = place.withCandidates ? defaultAddress(t) : { port: 9, netAddr: '0.0.0.0', ip6: false };
  const lines: SdpLine[] = [{ kind: 'connection', netType: 'IN', addrType: def.ip6 ? 'IP6' : 'IP4', address: def.netAddr }];
  if (place.rejected || t === undefined) return { lines, port: place.rejected ? 0 : def.port };
  if (place.withCandidates) for (const c of t.candidates) lines.push(candidateLine(c, ck));
  if (t.ufrag !== undefined) lines.push({ kind: 'ice-ufrag', value: ck.word(t.ufrag, 'ufrag') });
  if (t.pwd !== undefined) lines.push({ kind: 'ice-pwd', value: ck.word(t.pwd, 'pwd') });
  for (const f of t.fingerprints) lines.push({ kind: 'fingerprint', hash: ck.word(f.hash, 'fingerprint hash'), value: ck.word(f.value, 'fingerprint') });
  const setup = t.fingerprints[0]?.setup;
  if (setup !== undefined) {
    if (!['actpass', 'active', 'passive'].includes(setup)) ck.problems.push(`setup ${JSON.stringify(setup)} cannot be written`);
    lines.push({ kind: 'setup', role: setup });
  }
  return { lines, port: def.port };
}

function extmapLine(h: HeaderExtension, author: SdpAuthor, ck: Checker): SdpLine {
  const direction = h.senders === undefined || h.senders === 'both' ? undefined : directionFromSenders(h.senders, author);
  return { kind: 'extmap', id: ck.int(h.id, 1, 255, 'rtp-hdrext id'), uri: ck.word(h.uri, 'rtp-hdrext uri'), ...(direction ? { direction } : {}) };
}

function payloadLines(p: PayloadType, ck: Checker): SdpLine[] {
  const pt = ck.int(p.id, 0, 127, 'payload-type id');
  if (p.name.includes('/')) ck.problems.push(`payload-type name ${JSON.stringify(p.name)} cannot be written`);
  const lines: SdpLine[] = [{
    kind: 'rtpmap', payloadType: pt, encoding: ck.word(p.name, 'payload-type name'), clockRate: ck.int(p.clockrate, 0, MAX_U32, 'clockrate'),
    // lib-jitsi-meet SDPUtil.buildRTPMap: a channel count of 1 is implied.
    ...(p.channels !== undefined && p.channels !== 1 ? { channels: ck.int(p.channels, 1, 255, 'channels') } : {}),
  }];
  for (const fb of p.rtcpFeedback) {
    lines.push({ kind: 'rtcp-fb', payloadType: pt, type: ck.word(fb.type, 'rtcp-fb type'), ...(fb.subtype !== undefined ? { subtype: ck.text(fb.subtype, 'rtcp-fb subtype') } : {}) });
  }
  if (p.parameters.length > 0) {
    const parameters = p.parameters.map((x) => {
      if (x.name !== '' && !FMTP_NAME.test(x.name)) ck.problems.push(`fmtp name ${JSON.stringify(x.name.slice(0, 40))} cannot be written`);
      if (!FMTP_VALUE.test(x.value)) ck.problems.push(`fmtp value ${JSON.stringify(x.value.slice(0, 40))} cannot be written`);
      return { name: x.name, value: x.value };
    });
    lines.push({ kind: 'fmtp', payloadType: pt, parameters });
  }
  return lines;
}

// RFC 5576: groups first, then every SSRC's attributes. Every SSRC of the track carries the track's msid
// (as Chrome writes its own), so Chrome ties RTX and simulcast SSRCs to the one track.
function sourceLines(track: SourceTrack, ck: Checker): SdpLine[] {
  const lines: SdpLine[] = [];
  for (const g of track.groups) {
    lines.push({ kind: 'ssrc-group', semantics: ck.word(g.semantics, 'ssrc-group semantics'), ssrcs: g.ssrcs.map((s) => ck.int(s, 0, MAX_U32, 'ssrc')) });
  }
  if (track.msid !== undefined && !MSID.test(track.msid)) ck.problems.push(`msid ${JSON.stringify(track.msid.slice(0, 60))} cannot be written`);
  for (const s of track.sources) {
    const ssrc = ck.int(s.ssrc, 0, MAX_U32, 'ssrc');
    for (const p of s.parameters) {
      if (p.name === 'msid') continue;
      if (!SSRC_ATTRIBUTE.test(p.name)) ck.problems.push(`source parameter ${JSON.stringify(p.name.slice(0, 40))} cannot be written`);
      lines.push({ kind: 'ssrc', ssrc, attribute: p.name, ...(p.value === '' ? {} : { value: ck.text(p.value, 'source parameter value') }) });
    }
    if (track.msid !== undefined) lines.push({ kind: 'ssrc', ssrc, attribute: 'msid', value: track.msid });
  }
  return lines;
}

/** An audio/video section for one content or one receive slot. */
export function rtpSection(
  desc: RtpDescription, transport: IceUdpTransport | undefined, place: SectionPlace, direction: SdpDirection,
  track: SourceTrack | undefined, author: SdpAuthor, ck: Checker,
): SdpMedia {
  if (desc.payloadTypes.length === 0) ck.problems.push(`content ${place.mid} has no payload types`);
  const t = transportLines(transport, place, ck);
  const lines: SdpLine[] = [...t.lines, { kind: 'mid', mid: place.mid }];
  for (const h of desc.headerExtensions) lines.push(extmapLine(h, author, ck));
  if (desc.extmapAllowMixed) lines.push({ kind: 'extmap-allow-mixed' });
  lines.push({ kind: 'direction', direction: place.rejected ? 'inactive' : direction });
  if (track?.msid !== undefined && MSID.test(track.msid)) {
    const [streamId, trackId] = track.msid.split(' ') as [string, string | undefined];
    lines.push({ kind: 'msid', streamId, ...(trackId !== undefined ? { trackId } : {}) });
  }
  if (desc.rtcpMux || transport?.rtcpMux === true) lines.push({ kind: 'rtcp-mux' });
  for (const p of desc.payloadTypes) lines.push(...payloadLines(p, ck));
  if (track && !place.rejected) lines.push(...sourceLines(track, ck));
  return {
    media: desc.media, port: t.port, proto: 'UDP/TLS/RTP/SAVPF',
    formats: desc.payloadTypes.map((p) => String(p.id)), lines,
  };
}

/** The data channel section (RFC 8841): `m=application … UDP/DTLS/SCTP webrtc-datachannel`. */
export function sctpSection(transport: IceUdpTransport, place: SectionPlace, ck: Checker): SdpMedia {
  const t = transportLines(transport, place, ck);
  const port = ck.int(transport.sctp?.number ?? 5000, 0, 65535, 'sctpmap number');
  return {
    media: 'application', port: t.port, proto: 'UDP/DTLS/SCTP', formats: ['webrtc-datachannel'],
    // lib-jitsi-meet jingle2media also writes max-message-size 262144 (256 KiB, Chrome's own default).
    lines: [...t.lines, { kind: 'mid', mid: place.mid }, { kind: 'sctp-port', port }, { kind: 'max-message-size', sizeBytes: 262144 }],
  };
}
