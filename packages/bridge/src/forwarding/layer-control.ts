// When the layer allocation runs, and what goes out on the bridge channel because of it. The forwarding
// loop owns one when its signalling offers the bridge channel (startBridge; unit tests with a fake
// signalling have none, and every receiver then gets the first SIM layer).
//
// A receiver is reallocated (layer-allocation.ts) at once when its ReceiverVideoConstraints / LastN
// change, when last-N changes what it gets, when the dominant speaker or a video type changes (the
// order matters when bandwidth is short), when COLIBRI2 changes the conference, and when its channel
// opens; and on the allocation tick (every `intervalMs`, 500 ms: the rate limit for the rest) when a
// sender's encodings changed (one started or stopped, a height or a bitrate moved: simulcast-layers.ts)
// or its bandwidth estimate moved by more than 10 % since its last allocation.
//
// A route whose chosen encoding changed waits for that encoding's next key frame; the sender is
// asked for one right away (PLI through the loop's KeyframeLimiter) instead of at the next packet.
//
// Out on the channel:
// - ForwardedSources, when what the receiver actually gets differs from what it was last told. Last-N
//   (media-signalling.ts) tells it the sources last-N forwards; a source the allocation suspends for
//   lack of bandwidth is not forwarded, so the receiver hears the allocation's set after that.
// - ConnectionStats {estimatedDownlinkBandwidth} (protocols.md §5): once the receiver's feedback made
//   the estimate known, when the channel opens, and then whenever it moved by ≥ 10 % (at most once a
//   second) or 10 s passed. Until then the allocation is not limited by bandwidth at all: a start
//   value nobody confirmed must not cap a receiver that never sends feedback.

import type { Cancel, Clock, Logger, Off, TypedEmitter } from '@plenum/kit';
import type { BridgeMessage, BridgeVideoType, ReceiverVideoSettings } from '@plenum/xmpp/codec';
import type { BridgeChannelEvents } from '../channel/bridge-channel-server.ts';
import type { MediaSignallingEvents } from '../channel/media-signalling.ts';
import { measureLayers } from '../routing/simulcast-layers.ts';
import { NO_SSRC } from '../routing/stream-rewriter.ts';
import type { ConferenceRoutes, EndpointRoute } from './conference-routes.ts';
import { allocateReceiver } from './layer-allocation.ts';

/** What layer control needs of the media signalling (style C8); MediaSignalling is one. */
export type LayerSignalling = {
  readonly events: Pick<TypedEmitter<MediaSignallingEvents>, 'on'>;
  readonly channel: {
    readonly events: Pick<TypedEmitter<BridgeChannelEvents>, 'on'>;
    receiverVideoSettings(conferenceId: string, endpointId: string): ReceiverVideoSettings;
    videoType(conferenceId: string, endpointId: string, sourceName: string): BridgeVideoType;
    sendTo(conferenceId: string, endpointId: string, message: BridgeMessage): boolean;
  };
  /** The video sources last-N forwards to `receiverId`, in priority order. */
  forwardedSources(conferenceId: string, receiverId: string): readonly string[];
};

export const DEFAULT_ALLOCATION_INTERVAL_MS = 500;
const BWE_CHANGE = 0.1;
const STATS_MIN_INTERVAL_MS = 1000;
const STATS_MAX_INTERVAL_MS = 10_000;

export type LayerControlDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  readonly signalling: LayerSignalling;
  readonly conference: (meetingId: string) => ConferenceRoutes | undefined;
  readonly conferences: () => Iterable<ConferenceRoutes>;
  /** Ask `owner` for a key frame of its input SSRC (rate-limited by the caller). */
  readonly requestKeyframe: (meetingId: string, owner: EndpointRoute, ssrc: number) => void;
  readonly intervalMs?: number;
};

/** Per receiver bookkeeping, kept apart from the routing tables. */
type ReceiverState = {
  /** The ForwardedSources the receiver was last told (undefined: whatever last-N told it). */
  told: readonly string[] | undefined;
  /** The estimate its last allocation used. */
  allocatedBps: number;
  statsBps: number;
  statsAtMs: number;
};

export type LayerControlCounters = { allocations: number; layerChanges: number; forwardedSourcesSent: number; connectionStatsSent: number };

export class LayerControl {
  readonly #deps: LayerControlDeps;
  readonly #offs: Off[] = [];
  readonly #stopTick: Cancel;
  /** meetingId → receiverId → state. */
  readonly #receivers = new Map<string, Map<string, ReceiverState>>();
  readonly #counters: LayerControlCounters = { allocations: 0, layerChanges: 0, forwardedSourcesSent: 0, connectionStatsSent: 0 };

  constructor(deps: LayerControlDeps) {
    this.#deps = deps;
    const s = deps.signalling;
    this.#offs.push(
      s.events.on('forwardedSourcesChanged', (c, r, sources) => {
        this.#state(c, r).told = sources;
        this.allocate(c, r);
      }),
      s.events.on('dominantSpeakerChanged', (c) => this.conferenceUpdated(c)),
      s.channel.events.on('receiverVideoSettingsChanged', (c, e) => this.allocate(c, e)),
      s.channel.events.on('videoTypeChanged', (c) => this.conferenceUpdated(c)),
      s.channel.events.on('channelOpened', (c, e) => {
        const state = this.#state(c, e);
        state.told = undefined; // the greeting just told it last-N's set
        state.statsAtMs = Number.NEGATIVE_INFINITY;
        this.allocate(c, e);
        this.#sendConnectionStats(c, e, true);
      }),
    );
    this.#stopTick = deps.clock.setInterval(() => this.#tick(), deps.intervalMs ?? DEFAULT_ALLOCATION_INTERVAL_MS);
  }

  counters(): LayerControlCounters {
    return { ...this.#counters };
  }

  /** Reallocates every receiver of the conference (its tables were rebuilt, or an order changed). */
  conferenceUpdated(meetingId: string): void {
    const routes = this.#deps.conference(meetingId);
    if (routes === undefined) return; // not built yet (or gone: conferenceExpired forgets it)
    const states = this.#receivers.get(meetingId);
    if (states !== undefined) for (const id of [...states.keys()]) if (!routes.endpoints.has(id)) states.delete(id);
    for (const id of routes.endpoints.keys()) this.allocate(meetingId, id);
  }

  conferenceExpired(meetingId: string): void {
    this.#receivers.delete(meetingId);
  }

  /** Chooses `receiverId`'s layers now and points its routes at them. */
  allocate(meetingId: string, receiverId: string): void {
    const routes = this.#deps.conference(meetingId);
    const receiver = routes?.endpoints.get(receiverId);
    if (routes === undefined || receiver === undefined) return;
    const s = this.#deps.signalling;
    const state = this.#state(meetingId, receiverId);
    const bwe = receiver.bwe;
    const bandwidthBps = bwe !== undefined && bwe.isKnown ? bwe.estimateBps : Number.POSITIVE_INFINITY;
    const forwarded = s.forwardedSources(meetingId, receiverId);
    const { allocation, changes } = allocateReceiver(routes, receiver, {
      settings: s.channel.receiverVideoSettings(meetingId, receiverId),
      forwarded,
      videoType: (ownerId, sourceName) => s.channel.videoType(meetingId, ownerId, sourceName),
      bandwidthBps,
    });
    this.#counters.allocations++;
    state.allocatedBps = bandwidthBps;
    for (const ch of changes) {
      this.#counters.layerChanges++;
      this.#deps.log.debug('layer chosen', { meetingId, receiver: receiverId, source: ch.source.name, fromSsrc: ch.fromSsrc, toSsrc: ch.toSsrc, bandwidthBps });
      if (ch.toSsrc !== NO_SSRC && ch.route.stream.currentSsrc !== ch.toSsrc) this.#deps.requestKeyframe(meetingId, ch.source.owner, ch.toSsrc);
    }
    const told = state.told ?? forwarded;
    if (!sameSet(told, allocation.forwardedSources)) {
      if (s.channel.sendTo(meetingId, receiverId, { colibriClass: 'ForwardedSources', forwardedSources: allocation.forwardedSources })) {
        this.#counters.forwardedSourcesSent++;
        state.told = allocation.forwardedSources;
      }
    }
  }

  /** Stops the tick and the subscriptions. Idempotent. */
  close(): void {
    this.#stopTick();
    for (const off of this.#offs.splice(0)) off();
    this.#receivers.clear();
  }

  #state(meetingId: string, receiverId: string): ReceiverState {
    let byReceiver = this.#receivers.get(meetingId);
    if (byReceiver === undefined) {
      byReceiver = new Map();
      this.#receivers.set(meetingId, byReceiver);
    }
    let state = byReceiver.get(receiverId);
    if (state === undefined) {
      state = { told: undefined, allocatedBps: Number.NaN, statsBps: Number.NaN, statsAtMs: Number.NEGATIVE_INFINITY };
      byReceiver.set(receiverId, state);
    }
    return state;
  }

  #tick(): void {
    const nowMs = this.#deps.clock.now();
    for (const routes of this.#deps.conferences()) {
      let layersChanged = false;
      for (const source of routes.sources.values()) if (source.layers !== undefined && measureLayers(source.layers, nowMs)) layersChanged = true;
      for (const receiver of routes.endpoints.values()) {
        const state = this.#state(routes.meetingId, receiver.id);
        const estimate = receiver.bwe?.isKnown === true ? receiver.bwe.estimateBps : undefined;
        // (an allocation made before the estimate was known used Infinity: any estimate is a move)
        const moved = estimate !== undefined && !(Number.isFinite(state.allocatedBps) && Math.abs(estimate - state.allocatedBps) <= BWE_CHANGE * state.allocatedBps);
        if (layersChanged || moved) this.allocate(routes.meetingId, receiver.id);
        this.#sendConnectionStats(routes.meetingId, receiver.id, false);
      }
    }
  }

  #sendConnectionStats(meetingId: string, receiverId: string, force: boolean): void {
    const bwe = this.#deps.conference(meetingId)?.endpoints.get(receiverId)?.bwe;
    if (bwe === undefined || !bwe.isKnown) return;
    const estimate = bwe.estimateBps;
    const state = this.#state(meetingId, receiverId);
    const nowMs = this.#deps.clock.now();
    const since = nowMs - state.statsAtMs;
    const moved = !(Math.abs(estimate - state.statsBps) < BWE_CHANGE * state.statsBps);
    if (!force && since < STATS_MAX_INTERVAL_MS && !(moved && since >= STATS_MIN_INTERVAL_MS)) return;
    const bps = Math.round(estimate);
    if (this.#deps.signalling.channel.sendTo(meetingId, receiverId, { colibriClass: 'ConnectionStats', estimatedDownlinkBandwidth: bps })) {
      this.#counters.connectionStatsSent++;
      state.statsBps = estimate;
      state.statsAtMs = nowMs;
    }
  }
}

/** ForwardedSources is a set: a new order alone is not worth a message. */
function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}
