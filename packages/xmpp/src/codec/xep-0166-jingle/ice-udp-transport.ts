import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el, text } from '../xml/element.ts';
import type { DtlsFingerprint, IceCandidate, IceUdpTransport, SctpMap } from './jingle-types.ts';
import type { JingleError } from './jingle-error.ts';
import { jingleError } from './jingle-error.ts';
import { NS_COLIBRI_WS, NS_JINGLE_DTLS, NS_JINGLE_DTLS_SCTP, NS_JINGLE_ICE_UDP } from './namespaces.ts';
import { parseInteger, parseXsBoolean } from './parse-attrs.ts';

// XEP-0176 §5 ICE-UDP `<transport ufrag pwd>` with XEP-0320 DTLS fingerprints, XEP-0343 `<sctpmap>`,
// `<rtcp-mux/>`, Jitsi's bridge-channel `<web-socket url>` and the bridge's `ice-generation` after an
// in-place ICE restart (protocols.md §2.2, §2.3).

const SETUP: ReadonlySet<string> = new Set(['actpass', 'active', 'passive']);
const CANDIDATE_TYPES: ReadonlySet<string> = new Set(['host', 'srflx', 'prflx', 'relay']);
const TCP_TYPES: ReadonlySet<string> = new Set(['active', 'passive', 'so']);
const MAX_INT32 = 0x7fff_ffff;

const badCandidate = (why: string): { readonly ok: false; readonly error: JingleError } =>
  jingleError('jingle/bad-candidate', `candidate: ${why}`);

/** Reads one XEP-0176 §5 `<candidate>`; a missing generation is 0 (lib-jitsi-meet's default). */
export function decodeIceCandidate(c: El): Result<IceCandidate, JingleError> {
  const a = c.attrs;
  const foundation = a.foundation;
  if (foundation === undefined || foundation === '') return badCandidate('no foundation');
  const component = parseInteger(a.component, 1, 256);
  if (component === undefined) return badCandidate('bad component');
  // COMPAT(lib-jitsi-meet): protocol case is not normalised by every sender; compare lower-cased.
  const protocol = a.protocol?.toLowerCase();
  if (protocol !== 'udp' && protocol !== 'tcp') return badCandidate(`unsupported protocol "${a.protocol ?? ''}"`);
  const priority = parseInteger(a.priority, 0, 0xffff_ffff);
  if (priority === undefined) return badCandidate('bad priority');
  const ip = a.ip;
  if (ip === undefined || ip === '') return badCandidate('no ip');
  const port = parseInteger(a.port, 0, 65535);
  if (port === undefined) return badCandidate('bad port');
  const type = a.type ?? '';
  if (!CANDIDATE_TYPES.has(type)) return badCandidate(`unknown type "${type}"`);
  const generation = a.generation === undefined ? 0 : parseInteger(a.generation, 0, MAX_INT32);
  if (generation === undefined) return badCandidate('bad generation');
  let network: number | undefined;
  if (a.network !== undefined) {
    network = parseInteger(a.network, 0, MAX_INT32);
    if (network === undefined) return badCandidate('bad network');
  }
  let relPort: number | undefined;
  if (a['rel-port'] !== undefined) {
    relPort = parseInteger(a['rel-port'], 0, 65535);
    if (relPort === undefined) return badCandidate('bad rel-port');
  }
  const tcpType = a.tcptype;
  if (tcpType !== undefined && !TCP_TYPES.has(tcpType)) return badCandidate('bad tcptype');
  return ok({
    foundation, component, protocol, priority, ip, port, type: type as IceCandidate['type'], generation,
    ...(a.id !== undefined ? { id: a.id } : {}),
    ...(network !== undefined ? { network } : {}),
    ...(a['rel-addr'] !== undefined ? { relAddr: a['rel-addr'] } : {}),
    ...(relPort !== undefined ? { relPort } : {}),
    ...(tcpType !== undefined ? { tcpType: tcpType as NonNullable<IceCandidate['tcpType']> } : {}),
  });
}

/** Writes `<candidate>` (it inherits the transport's namespace). */
export function encodeIceCandidate(c: IceCandidate): El {
  return el('candidate', {
    component: c.component, foundation: c.foundation, generation: c.generation, id: c.id, ip: c.ip,
    network: c.network, port: c.port, priority: c.priority, protocol: c.protocol, 'rel-addr': c.relAddr,
    'rel-port': c.relPort, tcptype: c.tcpType, type: c.type,
  });
}

/** XEP-0320 §3 `<fingerprint hash setup [cryptex]>value</fingerprint>`; setup is required. */
function decodeFingerprint(f: El): Result<DtlsFingerprint, JingleError> {
  const hash = f.attrs.hash;
  if (hash === undefined || hash === '') return jingleError('jingle/bad-transport', 'fingerprint without hash');
  const setup = f.attrs.setup ?? '';
  if (!SETUP.has(setup)) return jingleError('jingle/bad-transport', `fingerprint has bad setup "${setup}"`);
  const value = text(f).trim();
  if (value === '') return jingleError('jingle/bad-transport', 'empty fingerprint');
  if (f.attrs.cryptex === undefined) return ok({ hash, setup: setup as DtlsFingerprint['setup'], value });
  const cryptex = parseXsBoolean(f.attrs.cryptex);
  if (cryptex === undefined) return jingleError('jingle/bad-transport', 'fingerprint has bad cryptex');
  return ok({ hash, setup: setup as DtlsFingerprint['setup'], value, cryptex });
}

/** XEP-0343 `<sctpmap number protocol streams>`; lib-jitsi-meet answers with streams="0". */
function decodeSctpMap(s: El): Result<SctpMap, JingleError> {
  const number = parseInteger(s.attrs.number, 0, 65535);
  if (number === undefined) return jingleError('jingle/bad-transport', 'sctpmap has a bad number');
  const protocol = s.attrs.protocol;
  if (protocol === undefined || protocol === '') return jingleError('jingle/bad-transport', 'sctpmap without protocol');
  if (s.attrs.streams === undefined) return ok({ number, protocol });
  const streams = parseInteger(s.attrs.streams, 0, 65535);
  if (streams === undefined) return jingleError('jingle/bad-transport', 'sctpmap has bad streams');
  return ok({ number, protocol, streams });
}

/** Reads `<transport xmlns="urn:xmpp:jingle:transports:ice-udp:1">`; unknown children are ignored. */
export function decodeIceUdpTransport(t: El): Result<IceUdpTransport, JingleError> {
  if (t.name !== 'transport' || t.attrs.xmlns !== NS_JINGLE_ICE_UDP) {
    return jingleError('jingle/bad-transport', `expected {${NS_JINGLE_ICE_UDP}}transport`);
  }
  let iceGeneration: number | undefined;
  if (t.attrs['ice-generation'] !== undefined) {
    iceGeneration = parseInteger(t.attrs['ice-generation'], 0, MAX_INT32);
    if (iceGeneration === undefined) return jingleError('jingle/bad-transport', 'bad ice-generation');
  }
  const fingerprints: DtlsFingerprint[] = [];
  const candidates: IceCandidate[] = [];
  let rtcpMux = false;
  let webSocketUrl: string | undefined;
  let sctp: SctpMap | undefined;
  for (const c of t.children) {
    if (typeof c === 'string') continue;
    const ns = c.attrs.xmlns;
    if (c.name === 'fingerprint' && ns === NS_JINGLE_DTLS) {
      const f = decodeFingerprint(c);
      if (!f.ok) return f;
      fingerprints.push(f.value);
    } else if (c.name === 'candidate' && (ns === undefined || ns === NS_JINGLE_ICE_UDP)) {
      const cand = decodeIceCandidate(c);
      if (!cand.ok) return cand;
      candidates.push(cand.value);
    } else if (c.name === 'rtcp-mux' && (ns === undefined || ns === NS_JINGLE_ICE_UDP)) {
      rtcpMux = true;
    } else if (c.name === 'web-socket' && ns === NS_COLIBRI_WS && webSocketUrl === undefined) {
      const url = c.attrs.url;
      if (url === undefined || url === '') return jingleError('jingle/bad-transport', 'web-socket without url');
      webSocketUrl = url;
    } else if (c.name === 'sctpmap' && ns === NS_JINGLE_DTLS_SCTP && sctp === undefined) {
      const s = decodeSctpMap(c);
      if (!s.ok) return s;
      sctp = s.value;
    }
  }
  return ok({
    ...(t.attrs.ufrag !== undefined ? { ufrag: t.attrs.ufrag } : {}),
    ...(t.attrs.pwd !== undefined ? { pwd: t.attrs.pwd } : {}),
    fingerprints, candidates, rtcpMux,
    ...(webSocketUrl !== undefined ? { webSocketUrl } : {}),
    ...(sctp !== undefined ? { sctp } : {}),
    ...(iceGeneration !== undefined ? { iceGeneration } : {}),
  });
}

/** Writes the transport with its fingerprints, candidates, rtcp-mux, web-socket and sctpmap. */
export function encodeIceUdpTransport(t: IceUdpTransport): El {
  return el('transport', { xmlns: NS_JINGLE_ICE_UDP, ufrag: t.ufrag, pwd: t.pwd, 'ice-generation': t.iceGeneration },
    t.fingerprints.map((f) => el('fingerprint',
      { xmlns: NS_JINGLE_DTLS, hash: f.hash, setup: f.setup, cryptex: f.cryptex === undefined ? undefined : String(f.cryptex) },
      f.value)),
    t.candidates.map(encodeIceCandidate),
    t.rtcpMux && el('rtcp-mux'),
    t.webSocketUrl !== undefined && el('web-socket', { xmlns: NS_COLIBRI_WS, url: t.webSocketUrl }),
    t.sctp !== undefined && el('sctpmap',
      { xmlns: NS_JINGLE_DTLS_SCTP, number: t.sctp.number, protocol: t.sctp.protocol, streams: t.sctp.streams }));
}
