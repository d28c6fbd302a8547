// Layer choice per receiver: turns one receiver's situation into routing/layer-selector.ts's input and
// its output into the input SSRC each of the receiver's video routes should carry (Route.layerSsrc;
// the forwarding loop points the route's OutboundStream at it, and the stream rewriter switches at
// the target's next key frame, keeping the output continuous).
//
// Input: the receiver's ReceiverVideoSettings (constraints, on-stage / selected sources, last-N,
// assumedBandwidthBps), the sources last-N forwards to it (in priority order: the same ordering the
// allocator uses, media-signalling.ts / speaker/last-n.ts), each source's video type, what each
// encoding delivers (simulcast-layers.ts) and the receiver's bandwidth estimate. Sources last-N does
// not forward, and sources the allocator gives no layer (bandwidth), get NO_SSRC: nothing is sent.
//
// Runs on events and the loop's allocation tick, never per packet.

import type { ReceiverVideoSettings } from '@plenum/xmpp/codec';
import type { Allocation, VideoSource, VideoType } from '../routing/layer-selector.ts';
import { selectLayers } from '../routing/layer-selector.ts';
import { allocatorLayers } from '../routing/simulcast-layers.ts';
import { NO_SSRC } from '../routing/stream-rewriter.ts';
import type { ConferenceRoutes, EndpointRoute, Route, SourceRoute } from './conference-routes.ts';

export type ReceiverSituation = {
  readonly settings: ReceiverVideoSettings;
  /** The video sources last-N forwards to this receiver, in priority order. */
  readonly forwarded: readonly string[];
  readonly videoType: (ownerId: string, sourceName: string) => VideoType;
  /** The receiver's estimate; Infinity when it has none (no transport-cc). */
  readonly bandwidthBps: number;
};

/** A route whose chosen input SSRC changed. */
export type LayerChange = { readonly source: SourceRoute; readonly route: Route; readonly fromSsrc: number; readonly toSsrc: number };

export type ReceiverAllocation = { readonly allocation: Allocation; readonly changes: readonly LayerChange[] };

/** Chooses a layer of every source for `receiver` and writes it into the receiver's routes. */
export function allocateReceiver(routes: ConferenceRoutes, receiver: EndpointRoute, s: ReceiverSituation): ReceiverAllocation {
  const candidates: VideoSource[] = [];
  for (const name of s.forwarded) {
    const source = routes.sources.get(name);
    if (source?.layers === undefined || source.owner === receiver) continue;
    candidates.push({ sourceName: name, videoType: s.videoType(source.owner.id, name), layers: allocatorLayers(source.layers) });
  }
  const allocation = selectLayers(candidates, s.settings, s.bandwidthBps);
  const chosen = new Map<string, number>();
  for (const a of allocation.sources) if (a.layer !== undefined) chosen.set(a.sourceName, a.layer.encoding);
  const changes: LayerChange[] = [];
  for (const source of routes.sources.values()) {
    if (!source.isVideo || source.layers === undefined || source.owner === receiver) continue;
    const route = source.routes.find((r) => r.receiver === receiver);
    if (route === undefined) continue;
    const encoding = chosen.get(source.name);
    const toSsrc = encoding === undefined ? NO_SSRC : (source.layers.ssrcs[encoding] ?? NO_SSRC);
    if (toSsrc !== route.layerSsrc) {
      changes.push({ source, route, fromSsrc: route.layerSsrc, toSsrc });
      route.layerSsrc = toSsrc;
    }
  }
  return { allocation, changes };
}
