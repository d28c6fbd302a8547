// SDP → Jingle: turns a peer connection's local description (the browser's answer to the bridge, or
// an offer in P2P) into the Jingle contents a client sends (session-accept, session-initiate).
// Facts on Jitsi's mapping from lib-jitsi-meet modules/sdp/SDP.ts (toJingle, transportToJingle).
//
// Rules:
// * Every m-line with a mid becomes a content named by its mid, except receive slots (mid s<n>, see
//   source-tracks.ts): their local sources, if any, fold into the first content of the same media
//   (lib-jitsi-meet likewise puts camera and screen share into one `video` content). Rejected m-lines
//   (port 0 without a=bundle-only) and media other than audio/video/application give no content.
// * Local sources are read only from m-lines the author sends on (sendrecv/sendonly): Firefox lists
//   SSRCs in recvonly sections too (lib-jitsi-meet skips them the same way).
// * A track is the SSRCs joined by ssrc-groups or a shared msid. Its msid comes from `a=ssrc:… msid:`
//   or else the section's `a=msid` (Firefox writes only cname per SSRC), and every SSRC of the track
//   gets it. Names: an `a=ssrc:… name:` wins; otherwise, with `owner`, audio tracks are `<owner>-a<i>`
//   and video tracks `<owner>-v<i>`, i counting tracks of that media in m-line order from 0 (skipping
//   names already taken). Video tracks get `videoType` from `a=ssrc:… videoType:` or `camera`.
// * `senders` maps the section's direction from the author's side (creator): a responder's recvonly
//   is senders=initiator (XEP-0167 §5). COMPAT(lib-jitsi-meet): it writes sendonly→initiator whatever
//   the role; jicofo does not read senders from session-accept.
// * ICE and DTLS fall back to session level (Firefox puts a=fingerprint there). No a=setup means
//   `active` (RFC 4145 §4). `holdconn` has no Jingle form (sdp/unsupported).
// * The data section gives `sctpmap` number = a=sctp-port (default 5000, RFC 8841), streams 0:
//   COMPAT(jicofo) its parser requires the attribute, as lib-jitsi-meet notes.
import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type {
  DtlsFingerprint, HeaderExtension, IceCandidate, IceUdpTransport, JingleContent, MediaSource, PayloadType, RtcpFeedback, SourceGroup,
} from '../xep-0166-jingle/jingle-types.ts';
import type { SdpError } from './sdp-error.ts';
import { sdpError } from './sdp-error.ts';
import type { Sdp, SdpCandidate, SdpMedia } from './sdp-types.ts';
import { firstSdpLine, sdpLinesOf, sdpMediaDirection, sdpMediaMid, parseSdp } from './sdp.ts';
import { parseUint } from './sdp-attribute.ts';
import type { SdpAuthor } from './senders.ts';
import { sendersFromDirection } from './senders.ts';
import { groupSourcesIntoTracks, receiveSlotNumber } from './source-tracks.ts';

/** Options of sdpToJingle. */
export type SdpToJingleOptions = {
  /** The Jingle role of the SDP's author (the local party): content creator and direction mapping. */
  readonly creator: SdpAuthor;
  /** Endpoint id used to name unnamed sources `<owner>-a<i>` / `<owner>-v<i>`. */
  readonly owner?: string;
};

/** Contents and groups for a session-accept or session-initiate. */
export type SdpJingle = {
  contents: JingleContent[];
  groups: { semantics: string; contents: string[] }[];
};

// RFC 3551 static payload types a peer may list without a=rtpmap.
const STATIC_PAYLOADS: Readonly<Record<number, readonly [string, number]>> = {
  0: ['PCMU', 8000], 3: ['GSM', 8000], 8: ['PCMA', 8000], 9: ['G722', 8000], 13: ['CN', 8000], 18: ['G729', 8000],
};
const GROUP_SEMANTICS: readonly string[] = ['SIM', 'FID', 'FEC-FR'];
const CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];
const TCP_TYPES: readonly string[] = ['active', 'passive', 'so'];

function payloadTypes(m: SdpMedia): PayloadType[] {
  const out: PayloadType[] = [];
  for (const fmt of m.formats) {
    const id = parseUint(fmt, 127);
    if (id === undefined) continue;
    const rtpmap = sdpLinesOf(m.lines, 'rtpmap').find((l) => l.payloadType === id);
    const fixed = STATIC_PAYLOADS[id];
    if (!rtpmap && !fixed) continue;
    const fmtp = sdpLinesOf(m.lines, 'fmtp').find((l) => l.payloadType === id);
    const rtcpFeedback: RtcpFeedback[] = sdpLinesOf(m.lines, 'rtcp-fb')
      .filter((l) => l.payloadType === id || l.payloadType === '*')
      .map((l) => ({ type: l.type, ...(l.subtype !== undefined ? { subtype: l.subtype } : {}) }));
    out.push({
      id, name: rtpmap?.encoding ?? (fixed as readonly [string, number])[0], clockrate: rtpmap?.clockRate ?? (fixed as readonly [string, number])[1],
      ...(rtpmap?.channels !== undefined ? { channels: rtpmap.channels } : {}),
      parameters: (fmtp?.parameters ?? []).map((p) => ({ name: p.name, value: p.value })),
      rtcpFeedback,
    });
  }
  return out;
}

function headerExtensions(m: SdpMedia, sdp: Sdp, author: SdpAuthor): HeaderExtension[] {
  const media = sdpLinesOf(m.lines, 'extmap');
  const all = [...media, ...sdpLinesOf(sdp.session, 'extmap').filter((s) => !media.some((x) => x.id === s.id))];
  return all.map((e) => ({ id: e.id, uri: e.uri, ...(e.direction !== undefined ? { senders: sendersFromDirection(e.direction, author) } : {}) }));
}

function candidate(c: SdpCandidate): IceCandidate | undefined {
  const protocol = c.transport.toLowerCase();
  if ((protocol !== 'udp' && protocol !== 'tcp') || !CANDIDATE_TYPES.includes(c.type)) return undefined;
  const ext = (name: string): string | undefined => c.extensions.find((e) => e.name === name)?.value;
  const num = (name: string): number | undefined => parseUint(ext(name) ?? '', 0xffffffff);
  const relAddr = ext('raddr');
  const relPort = parseUint(ext('rport') ?? '', 65535);
  const tcpType = ext('tcptype');
  const network = num('network-id');
  return {
    foundation: c.foundation, component: c.component, protocol, priority: c.priority, ip: c.address, port: c.port,
    type: c.type as IceCandidate['type'], generation: num('generation') ?? 0,
    ...(network !== undefined ? { network } : {}),
    ...(relAddr !== undefined && relPort !== undefined ? { relAddr, relPort } : {}),
    ...(protocol === 'tcp' && tcpType !== undefined && TCP_TYPES.includes(tcpType) ? { tcpType: tcpType as 'active' | 'passive' | 'so' } : {}),
  };
}

function transport(m: SdpMedia, sdp: Sdp, index: number): Result<IceUdpTransport, SdpError> {
  const ufrag = firstSdpLine(m.lines, 'ice-ufrag')?.value ?? firstSdpLine(sdp.session, 'ice-ufrag')?.value;
  const pwd = firstSdpLine(m.lines, 'ice-pwd')?.value ?? firstSdpLine(sdp.session, 'ice-pwd')?.value;
  const fps = sdpLinesOf(m.lines, 'fingerprint');
  const setup = firstSdpLine(m.lines, 'setup')?.role ?? firstSdpLine(sdp.session, 'setup')?.role ?? 'active';
  if (setup === 'holdconn') return err(sdpError('sdp/unsupported', `m-line ${index + 1}: a=setup:holdconn has no Jingle form`));
  const isCryptex = [...m.lines, ...sdp.session].some((l) => l.kind === 'raw' && l.name === 'cryptex');
  const fingerprints: DtlsFingerprint[] = (fps.length > 0 ? fps : sdpLinesOf(sdp.session, 'fingerprint'))
    .map((f) => ({ hash: f.hash, value: f.value, setup, ...(isCryptex ? { cryptex: true } : {}) }));
  const candidates = sdpLinesOf(m.lines, 'candidate').map((l) => candidate(l.candidate)).filter((c): c is IceCandidate => c !== undefined);
  return ok({
    ...(ufrag !== undefined ? { ufrag } : {}), ...(pwd !== undefined ? { pwd } : {}),
    fingerprints, candidates, rtcpMux: firstSdpLine(m.lines, 'rtcp-mux') !== undefined,
  });
}

function sctpNumber(m: SdpMedia): number {
  const port = firstSdpLine(m.lines, 'sctp-port')?.port;
  if (port !== undefined) return port;
  // Pre-RFC 8841 form: a=sctpmap:5000 webrtc-datachannel 1024.
  const legacy = m.lines.find((l) => l.kind === 'raw' && l.name === 'sctpmap');
  const n = legacy?.kind === 'raw' ? parseUint((legacy.value ?? '').split(' ')[0] ?? '', 65535) : undefined;
  return n ?? 5000;
}

type Draft = { content: JingleContent; sources: MediaSource[]; groups: SourceGroup[] };
type SectionSources = { sources: MediaSource[]; groups: SourceGroup[] };

/** The sources the author sends in one section, before naming. */
function sectionSources(m: SdpMedia, sdp: Sdp): SectionSources {
  const dir = sdpMediaDirection(m, sdp);
  if (dir !== 'sendrecv' && dir !== 'sendonly') return { sources: [], groups: [] };
  const msidLine = firstSdpLine(m.lines, 'msid');
  const sectionMsid = msidLine ? `${msidLine.streamId}${msidLine.trackId !== undefined ? ` ${msidLine.trackId}` : ''}` : undefined;
  const bySsrc = new Map<number, { attribute: string; value: string }[]>();
  for (const l of sdpLinesOf(m.lines, 'ssrc')) {
    const attrs = bySsrc.get(l.ssrc) ?? [];
    attrs.push({ attribute: l.attribute, value: l.value ?? '' });
    bySsrc.set(l.ssrc, attrs);
  }
  const sources = [...bySsrc].map(([ssrc, attrs]): MediaSource => {
    const get = (a: string): string | undefined => attrs.find((x) => x.attribute === a)?.value;
    const msid = get('msid') ?? sectionMsid;
    const name = get('name');
    const videoType = get('videoType');
    return {
      ssrc,
      ...(name !== undefined && name !== '' ? { name } : {}),
      ...(msid !== undefined ? { msid } : {}),
      ...(videoType === 'camera' || videoType === 'desktop' ? { videoType } : {}),
      parameters: attrs.filter((x) => !['msid', 'name', 'videoType'].includes(x.attribute)).map((x) => ({ name: x.attribute, value: x.value })),
    };
  });
  const groups = sdpLinesOf(m.lines, 'ssrc-group')
    .filter((g) => GROUP_SEMANTICS.includes(g.semantics))
    .map((g): SourceGroup => ({ semantics: g.semantics as SourceGroup['semantics'], ssrcs: [...g.ssrcs] }));
  return { sources, groups };
}

/** Turns an SDP text into Jingle contents and groups. Never throws. */
export function sdpToJingle(text: string, opts: SdpToJingleOptions): Result<SdpJingle, SdpError> {
  const parsed = parseSdp(text);
  if (!parsed.ok) return parsed;
  const sdp = parsed.value;
  const author = opts.creator;
  const drafts: Draft[] = [];
  // m-lines whose local sources go to a draft, in m-line order.
  const feeds: { m: SdpMedia; target: () => Draft | undefined }[] = [];
  for (const [i, m] of sdp.media.entries()) {
    const mid = sdpMediaMid(m);
    if (mid === undefined) return err(sdpError('sdp/missing-mid', `m-line ${i + 1} (${m.media}) has no a=mid`));
    if (m.port === 0 && !m.lines.some((l) => l.kind === 'raw' && l.name === 'bundle-only')) continue;
    const isRtp = m.media === 'audio' || m.media === 'video';
    if (receiveSlotNumber(mid) !== undefined) {
      if (isRtp) feeds.push({ m, target: () => drafts.find((d) => d.content.description?.media === m.media) });
      continue;
    }
    if (!isRtp && m.media !== 'application') continue;
    const t = transport(m, sdp, i);
    if (!t.ok) return t;
    if (m.media === 'application') {
      const sctp = { number: sctpNumber(m), protocol: 'webrtc-datachannel', streams: 0 };
      drafts.push({ content: { name: mid, creator: opts.creator, senders: 'both', transport: { ...t.value, sctp } }, sources: [], groups: [] });
      continue;
    }
    const draft: Draft = {
      content: {
        name: mid, creator: opts.creator, senders: sendersFromDirection(sdpMediaDirection(m, sdp), author), transport: t.value,
        description: {
          media: m.media as 'audio' | 'video', payloadTypes: payloadTypes(m), headerExtensions: headerExtensions(m, sdp, author),
          extmapAllowMixed: firstSdpLine(m.lines, 'extmap-allow-mixed') !== undefined || firstSdpLine(sdp.session, 'extmap-allow-mixed') !== undefined,
          rtcpMux: firstSdpLine(m.lines, 'rtcp-mux') !== undefined, sources: [], sourceGroups: [],
        },
      },
      sources: [], groups: [],
    };
    drafts.push(draft);
    feeds.push({ m, target: () => draft });
  }

  // Name tracks in m-line order; explicit names are reserved first so generated ones never collide.
  const sections = feeds.map((f) => ({ ...f, ...sectionSources(f.m, sdp) }));
  const taken = new Set(sections.flatMap((s) => s.sources.flatMap((x) => (x.name !== undefined ? [x.name] : []))));
  const counters = { audio: 0, video: 0 };
  for (const s of sections) {
    const draft = s.target();
    if (!draft) continue;
    const media = s.m.media as 'audio' | 'video';
    for (const track of groupSourcesIntoTracks(s.sources, s.groups)) {
      let name = track.sources.find((x) => x.name !== undefined)?.name;
      if (name === undefined && opts.owner !== undefined) {
        do {
          name = `${opts.owner}-${media === 'audio' ? 'a' : 'v'}${counters[media]++}`;
        } while (taken.has(name));
        taken.add(name);
      } else if (name !== undefined) {
        counters[media]++;
      }
      const videoType = media === 'video' ? track.sources.find((x) => x.videoType !== undefined)?.videoType ?? 'camera' : undefined;
      for (const src of track.sources) {
        // A slot repeating an SSRC of its content (hostile or broken SDP) must not duplicate the source.
        if (draft.sources.some((x) => x.ssrc === src.ssrc)) continue;
        draft.sources.push({
          ...src,
          ...(name !== undefined ? { name } : {}),
          ...(track.msid !== undefined ? { msid: track.msid } : {}),
          ...(videoType !== undefined ? { videoType } : {}),
        });
      }
      draft.groups.push(...track.groups);
    }
  }

  const contents = drafts.map(({ content, sources, groups }): JingleContent =>
    content.description ? { ...content, description: { ...content.description, sources, sourceGroups: groups } } : content);
  const names = new Set(contents.map((c) => c.name));
  const groups = sdpLinesOf(sdp.session, 'group')
    .map((g) => ({ semantics: g.semantics, contents: g.mids.filter((m) => names.has(m)) }))
    .filter((g) => g.contents.length > 0);
  return ok({ contents, groups });
}
