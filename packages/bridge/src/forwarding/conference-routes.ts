// One conference's routing tables for the forwarding loop, built from what COLIBRI2 signalled (the
// registry's endpoint `media` and `sources`) whenever the conference changes, never per packet:
//
// - per endpoint: payload type → codec, its RFC 8285 ids for ssrc-audio-level and transport-cc, and
//   the per-receiver state that must outlive a rebuild (transport-wide sequence counter);
// - per signalled SSRC: the source it belongs to (owner, source name, media; every simulcast layer of
//   a source maps to the same record), or that it is an RTX (FID) SSRC;
// - per (receiver, source): a route with the receiver's OutboundStream (kept across rebuilds, so
//   sequence numbers stay continuous), the sender→receiver extension id map, and the input SSRC the
//   layer allocation chose for it (layer-allocation.ts; the first SIM layer until it runs);
// - per video source: what its simulcast encodings deliver (routing/simulcast-layers.ts), kept
//   across rebuilds while its SSRCs stay the same;
// - per receiver that negotiated transport-cc: its bandwidth estimator (bwe/), made once.
//
// Jitsi's classic mode (no `ssrc-rewriting`, which this bridge refuses): a receiver learns the
// sender's sources from the focus, so a source leaves the bridge under its primary SSRC (the first
// SIM layer, or its only SSRC) and, for retransmissions, that SSRC's FID partner.

import type { Colibri2Media, Colibri2MediaSource } from '@plenum/xmpp/codec';
import { RTP_EXTENSION_URI } from 'werift-rtp';
import type { ConferenceState, EndpointState } from '../conference/conference-registry.ts';
import type { PayloadKind } from '../rtp/inbound-packet.ts';
import type { ExtensionMapping } from '../rtp/extension-id-map.ts';
import { buildExtensionIdMap } from '../rtp/extension-id-map.ts';
import type { OutboundStream } from '../routing/stream-rewriter.ts';
import { newOutboundStream, setStreamTarget } from '../routing/stream-rewriter.ts';
import type { EndpointTransport } from '../transport/endpoint-transport.ts';
import type { PacketCache } from '../rtp/packet-cache.ts';
import type { SimulcastLayers } from '../routing/simulcast-layers.ts';
import { newSimulcastLayers } from '../routing/simulcast-layers.ts';
import { BandwidthEstimator } from '../bwe/bandwidth-estimator.ts';
import type { BandwidthEstimatorOptions } from '../bwe/bandwidth-estimator.ts';

/** One endpoint as sender and receiver. The object lives as long as the endpoint; rebuilds update its fields. */
export type EndpointRoute = {
  readonly id: string;
  /** Payload type (0–127) → codec of that type as this endpoint negotiated it ('other' when unknown). */
  payloadKinds: PayloadKind[];
  /** Its id for ssrc-audio-level (RFC 6464), 0 when not negotiated. */
  audioLevelId: number;
  /** Its id for transport-cc, 0 when not negotiated. */
  twccId: number;
  /** Whether it negotiated RTX (RFC 4588) for video. */
  hasRtx: boolean;
  /** Whether it negotiated video at all; an audio-only endpoint (a SIP gateway's call) gets no video routes, as JVB's acceptVideo. */
  acceptsVideo: boolean;
  /** The focus's force-mute (COLIBRI2 `force-mute`, a moderator's mute): its audio / video is dropped at the bridge, not trusted to the client. */
  forceMutedAudio: boolean;
  forceMutedVideo: boolean;
  /** Media payload type (0–127) → its RTX payload type (`apt`), −1 when none was negotiated. */
  rtxPayloadTypes: Int16Array;
  /** Every negotiated extension over its media (BUNDLE: one id means one URI, RFC 8285 §6). */
  extensions: ExtensionMapping[];
  /** Its transport, looked up once it exists (the loop clears it when the transport closes). */
  transport: EndpointTransport | undefined;
  /** The next transport-wide sequence number the bridge writes into packets TO this endpoint. */
  twccSeq: number;
  /** Recent video packets FROM this endpoint, for answering receivers' NACKs (made at its first video packet). */
  cache: PacketCache | undefined;
  /** The bridge → endpoint bandwidth estimate, when it negotiated transport-cc (made at the first rebuild that sees it). */
  bwe: BandwidthEstimator | undefined;
};

/** One (receiver, source) leg. */
export type Route = {
  readonly receiver: EndpointRoute;
  readonly stream: OutboundStream;
  /** Sender's extension id → receiver's (0: dropped); rebuilt with the tables. */
  idMap: Uint8Array;
  /** Video: the input SSRC (simulcast encoding) the layer allocation chose for this receiver; NO_SSRC: nothing. */
  layerSsrc: number;
};

/** One signalled source (all its simulcast layers). */
export type SourceRoute = {
  readonly owner: EndpointRoute;
  readonly name: string;
  readonly isVideo: boolean;
  /** The SSRC it leaves the bridge with (first SIM layer, or its only SSRC). */
  readonly primarySsrc: number;
  /** Every other endpoint of the conference, one route each (rebuilt with the tables). */
  routes: Route[];
  /** Video: what each of its encodings delivers (SIM order). */
  readonly layers: SimulcastLayers | undefined;
};

/** Everything the loop needs for one conference. */
export type ConferenceRoutes = {
  readonly meetingId: string;
  readonly endpoints: Map<string, EndpointRoute>;
  /** Media SSRC → its source. */
  readonly ssrcs: Map<number, SourceRoute>;
  /** RTX SSRC → the media SSRC it repairs (FID groups). */
  readonly rtxSsrcs: Map<number, number>;
  /** `${receiver}\n${source}` → route, kept across rebuilds so stream state survives. */
  readonly routeByKey: Map<string, Route>;
  /** Source name → source, in signalling order (endpoints in join order). */
  readonly sources: Map<string, SourceRoute>;
  /** Source name → its simulcast layer state, kept across rebuilds while its SSRCs stay the same. */
  readonly layersByName: Map<string, SimulcastLayers>;
};

const CODEC_KINDS: Readonly<Record<string, PayloadKind>> = { vp8: 'vp8', vp9: 'vp9', h264: 'h264', av1: 'av1' };

/** Payload type → PayloadKind for an endpoint's negotiated media. */
export function payloadKindsOf(media: readonly Colibri2Media[]): PayloadKind[] {
  const kinds: PayloadKind[] = new Array<PayloadKind>(128).fill('other');
  for (const m of media) {
    for (const pt of m.payloadTypes) {
      if (pt.id < 0 || pt.id > 127) continue;
      kinds[pt.id] = m.type === 'audio' ? 'audio' : (CODEC_KINDS[pt.name.toLowerCase()] ?? 'other');
    }
  }
  return kinds;
}

function extensionsOf(media: readonly Colibri2Media[]): ExtensionMapping[] {
  const out: ExtensionMapping[] = [];
  for (const m of media) for (const h of m.headerExtensions) if (!out.some((e) => e.id === h.id)) out.push({ id: h.id, uri: h.uri });
  return out;
}

/** Media payload type → RTX payload type from the `rtx` types' `apt` parameter (−1: none). */
export function rtxPayloadTypesOf(media: readonly Colibri2Media[]): Int16Array {
  const out = new Int16Array(128).fill(-1);
  for (const m of media) {
    for (const pt of m.payloadTypes) {
      if (pt.name.toLowerCase() !== 'rtx' || pt.id < 0 || pt.id > 127) continue;
      const apt = Number(pt.parameters.find((p) => p.name === 'apt')?.value);
      if (Number.isInteger(apt) && apt >= 0 && apt <= 127) out[apt] = pt.id;
    }
  }
  return out;
}

const idOf = (extensions: readonly ExtensionMapping[], uri: string): number => extensions.find((e) => e.uri === uri)?.id ?? 0;

function updateEndpoint(r: EndpointRoute, e: EndpointState): void {
  r.payloadKinds = payloadKindsOf(e.media);
  r.extensions = extensionsOf(e.media);
  r.audioLevelId = idOf(r.extensions, RTP_EXTENSION_URI.audioLevelIndication);
  r.twccId = idOf(r.extensions, RTP_EXTENSION_URI.transportWideCC);
  r.rtxPayloadTypes = rtxPayloadTypesOf(e.media);
  r.hasRtx = e.media.some((m) => m.type === 'video' && m.payloadTypes.some((pt) => pt.name.toLowerCase() === 'rtx'));
  r.acceptsVideo = e.media.some((m) => m.type === 'video');
  r.forceMutedAudio = e.forceMute.audio;
  r.forceMutedVideo = e.forceMute.video;
}

/** A new, empty table set for a conference. */
export function newConferenceRoutes(meetingId: string): ConferenceRoutes {
  return { meetingId, endpoints: new Map(), ssrcs: new Map(), rtxSsrcs: new Map(), routeByKey: new Map(), sources: new Map(), layersByName: new Map() };
}

/** The SSRCs of a source: its media SSRCs (SIM order first) and its RTX pairs. */
export function sourceSsrcs(s: Colibri2MediaSource): { media: number[]; rtx: Map<number, number> } {
  const rtx = new Map<number, number>();
  for (const g of s.sourceGroups) if (g.semantics === 'FID' && g.ssrcs.length >= 2) rtx.set(g.ssrcs[1]!, g.ssrcs[0]!);
  const sim = s.sourceGroups.find((g) => g.semantics === 'SIM')?.ssrcs ?? [];
  const media = [...sim];
  for (const src of s.sources) if (!rtx.has(src.ssrc) && !media.includes(src.ssrc)) media.push(src.ssrc);
  return { media, rtx };
}

/**
 * Brings `routes` in line with the conference as signalled now. Endpoint records, routes and their
 * streams are kept where the (receiver, source) pair and its output SSRC still exist; everything
 * else is dropped. Returns the SSRCs claimed by two endpoints (the later claim is ignored).
 */
export function rebuildConferenceRoutes(
  routes: ConferenceRoutes, conference: ConferenceState, randomRtxSeq: () => number, bwe: BandwidthEstimatorOptions = {},
): number[] {
  for (const id of [...routes.endpoints.keys()]) if (!conference.endpoints.has(id)) routes.endpoints.delete(id);
  for (const e of conference.endpoints.values()) {
    let r = routes.endpoints.get(e.id);
    if (r === undefined) {
      r = {
        id: e.id, payloadKinds: [], audioLevelId: 0, twccId: 0, hasRtx: false, acceptsVideo: false, forceMutedAudio: false, forceMutedVideo: false, rtxPayloadTypes: new Int16Array(128).fill(-1),
        extensions: [], transport: undefined, twccSeq: 0, cache: undefined, bwe: undefined,
      };
      routes.endpoints.set(e.id, r);
    }
    updateEndpoint(r, e);
    if (r.twccId !== 0 && r.bwe === undefined) r.bwe = new BandwidthEstimator(bwe);
  }
  routes.ssrcs.clear();
  routes.rtxSsrcs.clear();
  routes.sources.clear();
  const keptLayers = new Set<string>();
  const conflicts: number[] = [];
  const keptKeys = new Set<string>();
  for (const e of conference.endpoints.values()) {
    const owner = routes.endpoints.get(e.id)!;
    for (const s of e.sources) {
      const { media, rtx } = sourceSsrcs(s);
      const primarySsrc = media[0];
      if (primarySsrc === undefined) continue;
      const isVideo = s.type === 'video';
      let layers = isVideo ? routes.layersByName.get(s.id) : undefined;
      if (isVideo && (layers === undefined || !sameSsrcs(layers.ssrcs, media))) {
        layers = newSimulcastLayers(media);
        routes.layersByName.set(s.id, layers);
      }
      if (layers !== undefined) keptLayers.add(s.id);
      const source: SourceRoute = { owner, name: s.id, isVideo, primarySsrc, routes: [], layers };
      if (!routes.sources.has(s.id)) routes.sources.set(s.id, source);
      for (const ssrc of media) {
        if (routes.ssrcs.has(ssrc) || routes.rtxSsrcs.has(ssrc)) conflicts.push(ssrc);
        else routes.ssrcs.set(ssrc, source);
      }
      for (const [r, m] of rtx) {
        if (routes.ssrcs.has(r) || routes.rtxSsrcs.has(r)) conflicts.push(r);
        else routes.rtxSsrcs.set(r, m);
      }
      const primaryRtx = [...rtx].find(([, m]) => m === primarySsrc)?.[0];
      for (const receiver of routes.endpoints.values()) {
        if (receiver === owner || (isVideo && !receiver.acceptsVideo)) continue;
        const key = `${receiver.id}\n${s.id}`;
        const outRtxSsrc = receiver.hasRtx ? primaryRtx : undefined;
        let route = routes.routeByKey.get(key);
        if (route === undefined || route.stream.outSsrc !== primarySsrc || route.receiver !== receiver || (outRtxSsrc ?? -1) !== route.stream.outRtxSsrc) {
          const stream = newOutboundStream({
            outSsrc: primarySsrc, clockRateHz: s.type === 'video' ? 90000 : 48000, initialRtxSeq: randomRtxSeq(),
            ...(outRtxSsrc !== undefined ? { outRtxSsrc } : {}),
          });
          // The first SIM layer until the layer allocation (layer-allocation.ts) chooses per receiver.
          setStreamTarget(stream, primarySsrc);
          route = { receiver, stream, idMap: new Uint8Array(256), layerSsrc: primarySsrc };
          routes.routeByKey.set(key, route);
        }
        route.idMap = buildExtensionIdMap(owner.extensions, receiver.extensions);
        keptKeys.add(key);
        source.routes.push(route);
      }
    }
  }
  for (const key of [...routes.routeByKey.keys()]) if (!keptKeys.has(key)) routes.routeByKey.delete(key);
  for (const name of [...routes.layersByName.keys()]) if (!keptLayers.has(name)) routes.layersByName.delete(name);
  return conflicts;
}

const sameSsrcs = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
