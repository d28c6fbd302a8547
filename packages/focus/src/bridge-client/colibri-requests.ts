// COLIBRI2 requests the focus sends (protocols.md §3), built as data; encodeConferenceModify writes
// the XML. Pure.
import type {
  Colibri2Endpoint, Colibri2MediaSource, ConferenceModify, EndpointSources, IceUdpTransport, MediaSource, SourceGroup,
} from '@plenum/xmpp/codec';
import { CAPABILITY_BATCHED_DELIVERY } from '@plenum/xmpp/codec';
import type { ClientFeatures } from '../jingle/client-features.ts';
import { audioHeaderExtensions, audioPayloadTypes, videoHeaderExtensions, videoPayloadTypes } from '../jingle/media-defaults.ts';
import { EMPTY_SOURCES } from '../jingle/source-map.ts';

/** A new endpoint on the bridge: codecs, ICE-controlling transport with SCTP, capabilities. */
export function endpointAllocation(p: {
  readonly endpointId: string;
  readonly statsId?: string;
  readonly mucRole?: string;
  readonly features: ClientFeatures;
  readonly offerOpusRed: boolean;
  /** The participant accepts its media in batches (FEATURE_BATCHED_DELIVERY in its presence). */
  readonly isBatched?: boolean;
  readonly forceMute?: { readonly audio: boolean; readonly video: boolean };
}): Colibri2Endpoint {
  const f = p.features;
  return {
    id: p.endpointId,
    ...(p.statsId !== undefined ? { statsId: p.statsId } : {}),
    ...(p.mucRole !== undefined ? { mucRole: p.mucRole } : {}),
    create: true,
    media: [
      ...(f.hasAudio ? [{ type: 'audio' as const, payloadTypes: audioPayloadTypes(f, p.offerOpusRed), headerExtensions: audioHeaderExtensions(f), extmapAllowMixed: true }] : []),
      ...(f.hasVideo ? [{ type: 'video' as const, payloadTypes: videoPayloadTypes(f), headerExtensions: videoHeaderExtensions(f), extmapAllowMixed: true }] : []),
    ],
    // The bridge is ICE-controlling for endpoints and the SCTP server (protocols.md §3).
    transport: { iceControlling: true, ...(f.hasSctp ? { sctp: {} } : {}) },
    capabilities: p.isBatched === true ? ['source-names', CAPABILITY_BATCHED_DELIVERY] : ['source-names'],
    ...(p.forceMute !== undefined && (p.forceMute.audio || p.forceMute.video) ? { forceMute: p.forceMute } : {}),
  };
}

/** An endpoint's answer pushed to the bridge: its ICE/DTLS transport and/or its sources. */
export function endpointUpdate(endpointId: string, update: { readonly transport?: IceUdpTransport; readonly sources?: EndpointSources }): Colibri2Endpoint {
  return {
    id: endpointId,
    media: [],
    capabilities: [],
    ...(update.transport !== undefined ? { transport: { iceUdp: update.transport } } : {}),
    ...(update.sources !== undefined ? { sources: toColibriSources(endpointId, update.sources) } : {}),
  };
}

/** `<endpoint id expire="true"/>`. */
export const endpointExpire = (endpointId: string): Colibri2Endpoint => ({ id: endpointId, expire: true, media: [], capabilities: [] });

/** `<endpoint id><force-mute audio video/></endpoint>` (protocols.md §8.5). */
export const endpointForceMute = (endpointId: string, audio: boolean, video: boolean): Colibri2Endpoint =>
  ({ id: endpointId, media: [], capabilities: [], forceMute: { audio, video } });

/** A conference-modify for a conference (room JID as `name`, meeting id from the room). */
export function conferenceModify(meetingId: string, roomJid: string, opts: { readonly create?: boolean; readonly expire?: boolean }, endpoints: readonly Colibri2Endpoint[]): ConferenceModify {
  return {
    meetingId,
    name: roomJid,
    ...(opts.create === true ? { create: true } : {}),
    ...(opts.expire === true ? { expire: true } : {}),
    endpoints,
  };
}

/** Groups an endpoint's sources by source name, as `<media-source type id>` wants them. */
export function toColibriSources(endpointId: string, s: EndpointSources): Colibri2MediaSource[] {
  const out: Colibri2MediaSource[] = [];
  const byMedia = [['audio', s.audio, s.audioGroups], ['video', s.video, s.videoGroups]] as const;
  for (const [type, sources, groups] of byMedia) {
    const byName = new Map<string, MediaSource[]>();
    for (const src of sources) {
      const name = src.name ?? `${endpointId}-${type === 'audio' ? 'a' : 'v'}-${src.ssrc}`;
      let list = byName.get(name);
      if (list === undefined) byName.set(name, (list = []));
      list.push(src);
    }
    for (const [id, list] of byName) {
      const ssrcs = new Set(list.map((x) => x.ssrc));
      const sourceGroups: SourceGroup[] = groups.filter((g) => g.ssrcs.some((x) => ssrcs.has(x)));
      out.push({ type, id, sources: list, sourceGroups });
    }
  }
  return out;
}

/** Jitsi clients skip sources whose msid is `mixedmslabel …` (protocols.md §2.2, §12): the bridge's feedback SSRCs. */
const FEEDBACK_MSID = { audio: 'mixedmslabel mixedlabelaudio0', video: 'mixedmslabel mixedlabelvideo0' } as const;

/**
 * The other way round: the bridge's `<sources>` (its feedback sources) as one endpoint's sources,
 * named by their media-source id and given the mixedmslabel msid when the bridge left it out.
 */
export function fromColibriSources(mediaSources: readonly Colibri2MediaSource[]): EndpointSources {
  let s: { video: MediaSource[]; videoGroups: SourceGroup[]; audio: MediaSource[]; audioGroups: SourceGroup[] } =
    { video: [], videoGroups: [], audio: [], audioGroups: [] };
  for (const m of mediaSources) {
    const named = m.sources.map((x) => ({ ...x, name: x.name ?? m.id, msid: x.msid ?? FEEDBACK_MSID[m.type] }));
    if (m.type === 'audio') s = { ...s, audio: [...s.audio, ...named], audioGroups: [...s.audioGroups, ...m.sourceGroups] };
    else s = { ...s, video: [...s.video, ...named], videoGroups: [...s.videoGroups, ...m.sourceGroups] };
  }
  return s.audio.length + s.video.length === 0 ? EMPTY_SOURCES : s;
}
