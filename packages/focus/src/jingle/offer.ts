// The Jingle the focus sends participants, built as data (encodeJingle writes the XML), pure.
// session-initiate = the bridge's offer (protocols.md §2.2); source-add / source-remove (§2.3).
import type { EndpointSources, IceUdpTransport, Jingle, JingleContent, MediaSource, RtpDescription, SourceGroup } from '@plenum/xmpp/codec';
import type { ClientFeatures } from './client-features.ts';
import { audioHeaderExtensions, audioPayloadTypes, videoHeaderExtensions, videoPayloadTypes } from './media-defaults.ts';
import type { ConferenceSources } from './source-map.ts';
import { JVB_OWNER, isEmptySources, withOwner } from './source-map.ts';

/** The SCTP association of the data content (protocols.md §2.2, §10: port 5000). */
export const SCTP_MAP = { number: 5000, protocol: 'webrtc-datachannel', streams: 1024 } as const;

/** Everything a session-initiate is made of. */
export type OfferInput = {
  readonly sid: string;
  /** The focus's own full JID (the Jingle initiator). */
  readonly initiator: string;
  /** The room's bare JID: XEP-0339 owners are occupant JIDs `room/<endpoint>`. */
  readonly roomJid: string;
  readonly features: ClientFeatures;
  /** The bridge's ICE/DTLS transport for this endpoint (from conference-modified). */
  readonly transport: IceUdpTransport;
  /** The bridge gave this endpoint an SCTP association. */
  readonly hasBridgeSctp: boolean;
  /** Other participants' sources and the bridge's feedback sources (owner `jvb`). */
  readonly sources: ConferenceSources;
  readonly bridgeSessionId: string;
  readonly region?: string;
  readonly startMuted?: { readonly audio: boolean; readonly video: boolean };
  readonly offerOpusRed: boolean;
};

/** The owner written into `ssrc-info`: the occupant JID, or `jvb` for the bridge. */
export const ownerName = (roomJid: string, owner: string): string => (owner === JVB_OWNER ? JVB_OWNER : `${roomJid}/${owner}`);

/** Flattens per-owner sources into one media's XEP-0339 sources and groups, owners stamped. */
function ssmaFor(media: 'audio' | 'video', sources: ConferenceSources, roomJid: string): { sources: MediaSource[]; sourceGroups: SourceGroup[] } {
  const out: MediaSource[] = [];
  const groups: SourceGroup[] = [];
  for (const [owner, s] of sources) {
    const stamped = withOwner(s, ownerName(roomJid, owner));
    out.push(...(media === 'audio' ? stamped.audio : stamped.video));
    groups.push(...(media === 'audio' ? stamped.audioGroups : stamped.videoGroups));
  }
  return { sources: out, sourceGroups: groups };
}

/** Sources as compact JSON (owner → sources), empty owners left out. */
function jsonFor(sources: ConferenceSources): Record<string, EndpointSources> {
  const out: Record<string, EndpointSources> = {};
  for (const [owner, s] of sources) if (!isEmptySources(s)) out[owner] = s;
  return out;
}

/** The bridge's transport as offered: actpass fingerprints, rtcp-mux, candidates as the bridge gave them. */
function offeredTransport(t: IceUdpTransport, withSctp: boolean): IceUdpTransport {
  const { sctp: _sctp, ...rest } = t;
  return { ...rest, rtcpMux: true, ...(withSctp ? { sctp: SCTP_MAP } : {}) };
}

/** session-initiate for one participant. */
export function buildSessionInitiate(o: OfferInput): Jingle {
  const f = o.features;
  const useJson = f.hasJsonSources;
  const media: JingleContent[] = [];
  const description = (kind: 'audio' | 'video'): RtpDescription => {
    const ssma = useJson ? { sources: [], sourceGroups: [] } : ssmaFor(kind, o.sources, o.roomJid);
    return {
      media: kind,
      payloadTypes: kind === 'audio' ? audioPayloadTypes(f, o.offerOpusRed) : videoPayloadTypes(f),
      headerExtensions: kind === 'audio' ? audioHeaderExtensions(f) : videoHeaderExtensions(f),
      extmapAllowMixed: true,
      rtcpMux: true,
      ...ssma,
    };
  };
  const transport = offeredTransport(o.transport, false);
  if (f.hasAudio) media.push({ name: 'audio', creator: 'initiator', senders: 'both', description: description('audio'), transport });
  if (f.hasVideo) media.push({ name: 'video', creator: 'initiator', senders: 'both', description: description('video'), transport });
  if (f.hasSctp && o.hasBridgeSctp) {
    // jicofo's data content carries an empty `<description media="application"/>`.
    media.push({ name: 'data', creator: 'initiator', senders: 'both', hasApplicationDescription: true, transport: offeredTransport(o.transport, true) });
  }
  return {
    action: 'session-initiate',
    sid: o.sid,
    initiator: o.initiator,
    contents: media,
    groups: [{ semantics: 'BUNDLE', contents: media.map((c) => c.name) }],
    bridgeSession: { id: o.bridgeSessionId, ...(o.region !== undefined ? { region: o.region } : {}) },
    ...(useJson ? { jsonSources: jsonFor(o.sources) } : {}),
    ...(o.startMuted !== undefined && (o.startMuted.audio || o.startMuted.video) ? { startMuted: o.startMuted } : {}),
  };
}

/** source-add or source-remove carrying `sources` (by owner), in the participant's encoding. */
export function buildSourceUpdate(action: 'source-add' | 'source-remove', sid: string, roomJid: string, sources: ConferenceSources, hasJsonSources: boolean): Jingle {
  const base = { action, sid, groups: [] } as const;
  if (hasJsonSources) return { ...base, contents: [], jsonSources: jsonFor(sources) };
  const contents: JingleContent[] = [];
  for (const kind of ['audio', 'video'] as const) {
    const ssma = ssmaFor(kind, sources, roomJid);
    if (ssma.sources.length === 0 && ssma.sourceGroups.length === 0) continue;
    contents.push({
      name: kind, creator: 'initiator', senders: 'both',
      description: { media: kind, payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: false, ...ssma },
    });
  }
  return { ...base, contents };
}

/** session-terminate from the focus (XEP-0166 §6.7). */
export function buildSessionTerminate(sid: string, condition: 'success' | 'gone' | 'general-error', text?: string): Jingle {
  return { action: 'session-terminate', sid, contents: [], groups: [], reason: { condition, ...(text !== undefined ? { text } : {}) } };
}
