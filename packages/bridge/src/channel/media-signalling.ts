// The signalling side of the media plane, per bridge: the bridge channel server, speech activity
// (dominant speaker) and last-N, wired together. The forwarding layer talks to it:
//
// - feeds audio levels: `handleAudioLevel(conference, endpoint, levelDbov, atMs)` per audio packet
//   with an RFC 6464 level (or an AudioLevelSource given in deps);
// - reads what receivers want: `channel.receiverVideoSettings(…)` / event `receiverVideoSettingsChanged`,
//   `channel.videoType(…)`, `channel.audioSubscription(…)`, and the speech order `speakerOrder(…)`;
// - reads last-N's decision: `isForwarded(conference, receiver, source)` (a map and a set hit),
//   `forwardedSources(…)` / event `forwardedSourcesChanged`;
// - reports ICE/consent changes: `endpointConnectivityChanged(…)`.
//
// Out on the channel: DominantSpeakerEndpointChangeEvent (to everyone, also `silence`),
// ForwardedSources (to a receiver when its set changes, and on connect), SenderSourceConstraints
// (to a sender when the largest height anyone receives of its source changes, and on connect),
// EndpointConnectivityStatusChangeEvent (to the others).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock, Logger, Off } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { BridgeChannelEvents, ChannelDirectory } from './bridge-channel-server.ts';
import type { ChannelLimits } from './channel-limits.ts';
import { BridgeChannelServer } from './bridge-channel-server.ts';
import type { DominantSpeakerConfig } from '../speaker/dominant-speaker.ts';
import type { AudioLevelSource } from '../speaker/speech-activity.ts';
import { SpeechActivity } from '../speaker/speech-activity.ts';
import type { ForwardingEndpoint, ForwardingState } from '../speaker/last-n.ts';
import { EMPTY_FORWARDING, orderBySpeech, stepForwarding } from '../speaker/last-n.ts';

/** What the signalling needs to know about conferences (style C8); registry-directory.ts implements it. */
export interface ConferenceDirectory extends ChannelDirectory {
  /** Whether the endpoint exists (checked per audio level: must be cheap). */
  hasEndpoint(conferenceId: string, endpointId: string): boolean;
  /** The conference's endpoints in join order with their signalled video source names; undefined if it does not exist. */
  endpoints(conferenceId: string): readonly { readonly id: string; readonly videoSources: readonly string[] }[] | undefined;
}

/** Events for the forwarding layer. */
export type MediaSignallingEvents = {
  /** Last-N changed what `receiver` should get (priority order). */
  forwardedSourcesChanged: [conferenceId: string, receiverId: string, sources: readonly string[]];
  /** The largest height anyone receives of a source changed (−1 unlimited, 0 nobody). */
  senderConstraintsChanged: [conferenceId: string, ownerId: string, sourceName: string, maxHeight: number];
  /** A new dominant speaker, or silence (`isSilent`, with the last one). */
  dominantSpeakerChanged: [conferenceId: string, endpointId: string, previousSpeakers: readonly string[], isSilent: boolean];
};

type ConferenceForwarding = { state: ForwardingState; sets: Map<string, ReadonlySet<string>> };

/** Channel + dominant speaker + last-N for every conference on the bridge. */
export class MediaSignalling {
  readonly channel: BridgeChannelServer;
  readonly speech: SpeechActivity;
  readonly events: TypedEmitter<MediaSignallingEvents>;
  readonly #directory: ConferenceDirectory;
  readonly #forwarding = new Map<string, ConferenceForwarding>();
  readonly #offs: Off[] = [];
  #dominantSpeakerChanges = 0;
  #closing: Promise<void> | undefined;

  constructor(deps: {
    readonly log: Logger; readonly clock: Clock; readonly bridgeId: string; readonly version: string;
    readonly directory: ConferenceDirectory; readonly limits?: Partial<ChannelLimits>;
    readonly speaker?: Partial<DominantSpeakerConfig>; readonly audioLevels?: AudioLevelSource;
  }) {
    this.#directory = deps.directory;
    this.events = new TypedEmitter<MediaSignallingEvents>(deps.log);
    this.channel = new BridgeChannelServer({
      log: deps.log, clock: deps.clock, bridgeId: deps.bridgeId, version: deps.version, directory: deps.directory,
      ...(deps.limits !== undefined ? { limits: deps.limits } : {}),
    });
    this.speech = new SpeechActivity({ clock: deps.clock, log: deps.log, ...(deps.speaker !== undefined ? { config: deps.speaker } : {}) });
    const onChannel = <K extends keyof BridgeChannelEvents>(event: K, f: (...args: BridgeChannelEvents[K]) => void): void => {
      this.#offs.push(this.channel.events.on(event, f));
    };
    onChannel('channelOpened', (c, e) => this.#greet(c, e));
    onChannel('receiverVideoSettingsChanged', (c, e) => this.#recompute(c, e));
    onChannel('videoTypeChanged', (c) => this.#recompute(c));
    this.#offs.push(
      this.speech.events.on('dominantSpeakerChanged', (c, e, previous) => this.#announceSpeaker(c, e, previous, false)),
      this.speech.events.on('silence', (c, e) => this.#announceSpeaker(c, e, this.speech.dominantSpeaker(c)?.previousSpeakers ?? [], true)),
    );
    if (deps.audioLevels !== undefined) this.#offs.push(deps.audioLevels.onAudioLevel((c, e, l, t) => this.handleAudioLevel(c, e, l, t)));
  }

  /** One RFC 6464 audio level (0 loudest … 127 silence) of an endpoint's audio packet at `atMs`. */
  handleAudioLevel(conferenceId: string, endpointId: string, levelDbov: number, atMs: number): void {
    if (this.#closing === undefined && this.#directory.hasEndpoint(conferenceId, endpointId)) {
      this.speech.handleAudioLevel(conferenceId, endpointId, levelDbov, atMs);
    }
  }

  /** For the HTTP server's `upgrade` event: true if it was a bridge-channel request (answered). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    return this.channel.handleUpgrade(req, socket, head);
  }

  /** COLIBRI2 changed the conference (endpoints, sources): recomputes last-N. */
  conferenceUpdated(conferenceId: string): void {
    this.#recompute(conferenceId);
  }

  /** The endpoint expired: its channel closes, it stops being a speaker, the others' last-N follows. */
  endpointExpired(conferenceId: string, endpointId: string): void {
    this.channel.closeEndpoint(conferenceId, endpointId);
    this.speech.removeEndpoint(conferenceId, endpointId);
    this.#recompute(conferenceId);
  }

  /** The conference expired: all its channels close and its state goes. */
  conferenceExpired(conferenceId: string): void {
    this.channel.closeConference(conferenceId);
    this.speech.removeConference(conferenceId);
    this.#forwarding.delete(conferenceId);
  }

  /** The bridge's media connection to the endpoint went (in)active: the others are told. */
  endpointConnectivityChanged(conferenceId: string, endpointId: string, isActive: boolean): void {
    this.channel.broadcast(conferenceId, { colibriClass: 'EndpointConnectivityStatusChangeEvent', endpoint: endpointId, active: isActive }, endpointId);
  }

  /** Every endpoint of the conference, dominant speaker first, then earlier speakers, then join order. */
  speakerOrder(conferenceId: string): readonly string[] {
    return orderBySpeech((this.#directory.endpoints(conferenceId) ?? []).map((e) => e.id), this.speech.speakerOrder(conferenceId));
  }

  /** The video sources last-N lets through to `receiverId`, in priority order. */
  forwardedSources(conferenceId: string, receiverId: string): readonly string[] {
    return this.#forwarding.get(conferenceId)?.state.forwarded.get(receiverId) ?? [];
  }

  /** Whether last-N lets `sourceName` through to `receiverId` (per packet: a map and a set hit). */
  isForwarded(conferenceId: string, receiverId: string, sourceName: string): boolean {
    return this.#forwarding.get(conferenceId)?.sets.get(receiverId)?.has(sourceName) ?? false;
  }

  /** Counters for `GET /colibri/stats` (JVB's names where JVB has one). */
  statsJson(): Record<string, number> {
    const c = this.channel.counters();
    return {
      total_colibri_web_socket_messages_received: c.messagesReceived,
      total_colibri_web_socket_messages_sent: c.messagesSent,
      total_dominant_speaker_changes: this.#dominantSpeakerChanges,
      colibri_web_socket_channels: c.openChannels,
      // Bridge channels opened so far by transport (colibri_web_socket_* above count both kinds, as JVB's names do not say).
      bridge_channels_opened_sctp: c.sctpChannelsOpened,
      bridge_channels_opened_websocket: c.channelsOpened - c.sctpChannelsOpened,
      colibri_web_socket_upgrades_refused: c.upgradesRefused,
      colibri_web_socket_messages_ignored: c.messagesMalformed + c.messagesUnknown + c.messagesUnexpected,
      colibri_web_socket_messages_dropped: c.messagesDropped,
      colibri_web_socket_closed_for_limits: c.closedTooBig + c.closedTooFast,
    };
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Stops speech activity and closes every channel. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const off of this.#offs.splice(0)) off();
      this.speech.close();
      this.#forwarding.clear();
      await this.channel.close();
    })();
    return this.#closing;
  }

  #announceSpeaker(conferenceId: string, endpointId: string, previousSpeakers: readonly string[], isSilent: boolean): void {
    this.channel.broadcast(conferenceId, {
      colibriClass: 'DominantSpeakerEndpointChangeEvent', dominantSpeakerEndpoint: endpointId, previousSpeakers, silence: isSilent,
    });
    this.events.emit('dominantSpeakerChanged', conferenceId, endpointId, previousSpeakers, isSilent);
    if (isSilent) return;
    this.#dominantSpeakerChanges++;
    this.#recompute(conferenceId);
  }

  /** A new channel gets the current dominant speaker, its ForwardedSources and its sources' constraints. */
  #greet(conferenceId: string, endpointId: string): void {
    const dominant = this.speech.dominantSpeaker(conferenceId);
    if (dominant !== undefined) {
      this.channel.sendTo(conferenceId, endpointId, {
        colibriClass: 'DominantSpeakerEndpointChangeEvent', dominantSpeakerEndpoint: dominant.endpointId,
        previousSpeakers: dominant.previousSpeakers, silence: dominant.isSilent,
      });
    }
    const state = this.#forwarding.get(conferenceId)?.state;
    if (state === undefined || !state.forwarded.has(endpointId)) {
      // New to last-N: the recomputation reports it (and its sources) as changed, to this channel too.
      this.#recompute(conferenceId);
      return;
    }
    this.channel.sendTo(conferenceId, endpointId, { colibriClass: 'ForwardedSources', forwardedSources: state.forwarded.get(endpointId) ?? [] });
    const own = this.#directory.endpoints(conferenceId)?.find((e) => e.id === endpointId)?.videoSources ?? [];
    for (const sourceName of own) {
      const maxHeight = state.senderMaxHeight.get(sourceName);
      if (maxHeight !== undefined) this.channel.sendTo(conferenceId, endpointId, { colibriClass: 'SenderSourceConstraints', sourceName, maxHeight });
    }
  }

  /** Recomputes last-N for the conference (only for `receiverId` when just its settings changed). */
  #recompute(conferenceId: string, receiverId?: string): void {
    if (this.#closing !== undefined) return;
    const endpoints = this.#directory.endpoints(conferenceId);
    if (endpoints === undefined) {
      this.#forwarding.delete(conferenceId);
      return;
    }
    const input: ForwardingEndpoint[] = endpoints.map((e) => ({
      id: e.id,
      videoSources: e.videoSources.map((name) => ({ name, videoType: this.channel.videoType(conferenceId, e.id, name) })),
      settings: this.channel.receiverVideoSettings(conferenceId, e.id),
    }));
    const previous = this.#forwarding.get(conferenceId);
    const only = receiverId === undefined ? undefined : new Set([receiverId]);
    const step = stepForwarding(previous?.state ?? EMPTY_FORWARDING, { endpoints: input, speakerOrder: this.speech.speakerOrder(conferenceId) }, only);
    const sets = new Map<string, ReadonlySet<string>>();
    for (const [receiver, sources] of step.state.forwarded) {
      const kept = previous?.sets.get(receiver);
      sets.set(receiver, kept !== undefined && previous?.state.forwarded.get(receiver) === sources ? kept : new Set(sources));
    }
    this.#forwarding.set(conferenceId, { state: step.state, sets });
    for (const { receiver, sources } of step.forwardedChanged) {
      this.channel.sendTo(conferenceId, receiver, { colibriClass: 'ForwardedSources', forwardedSources: sources });
      this.events.emit('forwardedSourcesChanged', conferenceId, receiver, sources);
    }
    for (const { owner, sourceName, maxHeight } of step.senderChanged) {
      this.channel.sendTo(conferenceId, owner, { colibriClass: 'SenderSourceConstraints', sourceName, maxHeight });
      this.events.emit('senderConstraintsChanged', conferenceId, owner, sourceName, maxHeight);
    }
  }
}
