// The bridge channel's JSON messages (protocols.md §5): one object per WebSocket text frame or SCTP
// data-channel message, discriminated by `colibriClass`. The types keep the wire's names and field
// spellings (jitsi-videobridge BridgeChannelMessage.kt, lib-jitsi-meet BridgeChannel.js) so that
// `encodeBridgeMessage` is a plain rename-free serialisation. Plain readonly data (style C5).

/** Any JSON value, as carried opaquely by EndpointMessage and EndpointStats. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * What a video source carries (JVB VideoType, lower case on the wire as lib-jitsi-meet's
 * BridgeVideoType): `none` means the source is not being sent (muted or stopped).
 */
export type BridgeVideoType = 'camera' | 'desktop' | 'desktop_high_fps' | 'none';

/** Every BridgeVideoType, in wire spelling. */
export const BRIDGE_VIDEO_TYPES: readonly BridgeVideoType[] = ['camera', 'desktop', 'desktop_high_fps', 'none'];

/**
 * Per-source limits a receiver asks for. On the wire a missing field means unlimited (JVB
 * VideoConstraints defaults both to -1). `maxHeight` 0 = don't send the source at all.
 */
export type VideoConstraints = { readonly maxHeight?: number; readonly maxFrameRate?: number };

/** c→b, at the start of a session (JVB answers with ServerHello). */
export type ClientHello = { readonly colibriClass: 'ClientHello' };

/** b→c, sent when the WebSocket is accepted and in answer to ClientHello; `version` is the bridge's. */
export type ServerHello = { readonly colibriClass: 'ServerHello'; readonly version?: string };

/**
 * Both directions: an endpoint-to-endpoint message routed by the bridge. `to` is an endpoint id or
 * `""` for everyone else in the conference; `from` is set by the bridge on relay and ignored when a
 * client sends it.
 */
export type EndpointMessage = {
  readonly colibriClass: 'EndpointMessage';
  readonly to: string;
  readonly from?: string;
  readonly msgPayload: JsonValue;
};

/**
 * Both directions: a client's connection stats (lib-jitsi-meet sends them every 10 s). On the wire
 * the stats are top-level fields beside `colibriClass`; here they are gathered in `stats`.
 */
export type EndpointStats = {
  readonly colibriClass: 'EndpointStats';
  readonly from?: string;
  readonly stats: JsonObject;
};

/** c→b: the legacy way to set only lastN (−1 = unlimited). */
export type LastNChangedEvent = { readonly colibriClass: 'LastNChangedEvent'; readonly lastN: number };

/**
 * c→b: what video the receiver wants. Partial update: an omitted field leaves the bridge's value
 * unchanged (applyReceiverVideoConstraints). Defaults: lastN −1, defaultConstraints maxHeight 180.
 */
export type ReceiverVideoConstraints = {
  readonly colibriClass: 'ReceiverVideoConstraints';
  readonly lastN?: number;
  readonly selectedSources?: readonly string[];
  readonly onStageSources?: readonly string[];
  readonly defaultConstraints?: VideoConstraints;
  /** Source name → constraints; a plain record (own keys only, read it with Object.entries). */
  readonly constraints?: { readonly [sourceName: string]: VideoConstraints };
  readonly assumedBandwidthBps?: number;
};

/**
 * c→b: which audio sources the receiver wants. `all` with `exclude`, or `include` only. The legacy
 * form (`mode` All/None/Include/Exclude/Custom with `list`, `include`, `exclude`) is read into this one.
 */
export type ReceiverAudioSubscription = {
  readonly colibriClass: 'ReceiverAudioSubscription';
  readonly all?: boolean;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
};

/** c→b: the video type of one of the sender's sources. */
export type SourceVideoTypeMessage = {
  readonly colibriClass: 'SourceVideoTypeMessage';
  readonly sourceName: string;
  readonly videoType: BridgeVideoType;
};

/** c→b, deprecated: the video type of the sender's (only) video source. */
export type VideoTypeMessage = { readonly colibriClass: 'VideoTypeMessage'; readonly videoType: BridgeVideoType };

/** b→c: the highest resolution anyone receives of this sender's source (shorter side; −1 unlimited, 0 none). */
export type SenderSourceConstraints = {
  readonly colibriClass: 'SenderSourceConstraints';
  readonly sourceName: string;
  readonly maxHeight: number;
};

/**
 * b→c: the dominant speaker changed. `previousSpeakers` are earlier dominant speakers, most recent
 * first; `silence` true means nobody is speaking (`dominantSpeakerEndpoint` is then the last one).
 */
export type DominantSpeakerEndpointChangeEvent = {
  readonly colibriClass: 'DominantSpeakerEndpointChangeEvent';
  readonly dominantSpeakerEndpoint: string;
  readonly previousSpeakers: readonly string[];
  readonly silence: boolean;
};

/** b→c: the video sources the bridge currently forwards to this receiver. */
export type ForwardedSources = { readonly colibriClass: 'ForwardedSources'; readonly forwardedSources: readonly string[] };

/**
 * b→c: the bridge's media connection to `endpoint` went (in)active. `active` is a boolean here and
 * the string "true"/"false" on the wire, as JVB sends it and lib-jitsi-meet compares it.
 */
export type EndpointConnectivityStatusChangeEvent = {
  readonly colibriClass: 'EndpointConnectivityStatusChangeEvent';
  readonly endpoint: string;
  readonly active: boolean;
};

/** One video source's SSRCs after SSRC rewriting. `owner` absent = no current sender (JVB sends null). */
export type VideoSourceMapping = {
  readonly source: string;
  readonly owner?: string;
  readonly ssrc: number;
  readonly rtx: number;
  readonly videoType: BridgeVideoType;
  readonly mid?: string;
};

/** One audio source's SSRC after SSRC rewriting. */
export type AudioSourceMapping = { readonly source: string; readonly owner?: string; readonly ssrc: number; readonly mid?: string };

/** b→c (capability `ssrc-rewriting`): which source each rewritten video SSRC now carries. */
export type VideoSourcesMap = { readonly colibriClass: 'VideoSourcesMap'; readonly mappedSources: readonly VideoSourceMapping[] };

/** b→c (capability `ssrc-rewriting`): which source each rewritten audio SSRC now carries. */
export type AudioSourcesMap = { readonly colibriClass: 'AudioSourcesMap'; readonly mappedSources: readonly AudioSourceMapping[] };

/** b→c: what the bridge knows about the receiver's connection. */
export type ConnectionStats = { readonly colibriClass: 'ConnectionStats'; readonly estimatedDownlinkBandwidth: number };

/** b→c: a synthetic (e.g. translated audio) source started or stopped; `timestamp` in ms. */
export type SyntheticSourceSendingChangeEvent = {
  readonly colibriClass: 'SyntheticSourceSendingChangeEvent';
  readonly sourceName: string;
  readonly sending: boolean;
  readonly timestamp: number;
};

/** b↔b (relays only): the sending bridge should forward `sourceName` to the bridge `bridgeId`. */
export type AddReceiver = {
  readonly colibriClass: 'AddReceiver';
  readonly bridgeId: string;
  readonly sourceName?: string;
  readonly endpointId?: string;
  readonly videoConstraints: VideoConstraints;
};

/** b↔b (relays only): the bridge `bridgeId` no longer receives `endpointId`. */
export type RemoveReceiver = { readonly colibriClass: 'RemoveReceiver'; readonly bridgeId: string; readonly endpointId: string };

/** Every bridge-channel message. */
export type BridgeMessage =
  | ClientHello | ServerHello | EndpointMessage | EndpointStats | LastNChangedEvent | ReceiverVideoConstraints
  | ReceiverAudioSubscription | SourceVideoTypeMessage | VideoTypeMessage | SenderSourceConstraints
  | DominantSpeakerEndpointChangeEvent | ForwardedSources | EndpointConnectivityStatusChangeEvent
  | VideoSourcesMap | AudioSourcesMap | ConnectionStats | SyntheticSourceSendingChangeEvent | AddReceiver | RemoveReceiver;

/** Every `colibriClass` value. */
export type ColibriClass = BridgeMessage['colibriClass'];

/** Every `colibriClass`, with who sends it (c = client, b = bridge). */
export const COLIBRI_CLASSES: { readonly [K in ColibriClass]: 'c→b' | 'b→c' | 'both' | 'b↔b' } = {
  ClientHello: 'c→b',
  ServerHello: 'b→c',
  EndpointMessage: 'both',
  EndpointStats: 'both',
  LastNChangedEvent: 'c→b',
  ReceiverVideoConstraints: 'c→b',
  ReceiverAudioSubscription: 'c→b',
  SourceVideoTypeMessage: 'c→b',
  VideoTypeMessage: 'c→b',
  SenderSourceConstraints: 'b→c',
  DominantSpeakerEndpointChangeEvent: 'b→c',
  ForwardedSources: 'b→c',
  EndpointConnectivityStatusChangeEvent: 'b→c',
  VideoSourcesMap: 'b→c',
  AudioSourcesMap: 'b→c',
  ConnectionStats: 'b→c',
  SyntheticSourceSendingChangeEvent: 'b→c',
  AddReceiver: 'b↔b',
  RemoveReceiver: 'b↔b',
};
