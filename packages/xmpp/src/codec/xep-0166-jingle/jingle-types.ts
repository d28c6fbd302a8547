// The Jingle data model Plenum uses (XEP-0166 session, XEP-0167 RTP description, XEP-0176 ICE-UDP
// transport, XEP-0320 DTLS fingerprints, XEP-0339 sources and groups, XEP-0293 rtcp-fb,
// XEP-0294 header extensions) plus Jitsi's extensions (protocols.md §2). Plain readonly data;
// decode/encode functions live beside it.

/** Jingle actions Plenum sends or understands (XEP-0166 §7.2, Jitsi's source-add/-remove). */
export type JingleAction =
  | 'session-initiate' | 'session-accept' | 'session-terminate' | 'session-info'
  | 'source-add' | 'source-remove' | 'transport-info' | 'transport-replace' | 'transport-accept'
  | 'content-modify';

/** A codec parameter (`a=fmtp` entry). */
export type CodecParameter = { readonly name: string; readonly value: string };

/** XEP-0293 `rtcp-fb` (`a=rtcp-fb`), e.g. `{type:'nack', subtype:'pli'}`. */
export type RtcpFeedback = { readonly type: string; readonly subtype?: string };

/** XEP-0167 payload type (`a=rtpmap` + fmtp + rtcp-fb). */
export type PayloadType = {
  readonly id: number;
  readonly name: string;
  readonly clockrate: number;
  readonly channels?: number;
  readonly parameters: readonly CodecParameter[];
  readonly rtcpFeedback: readonly RtcpFeedback[];
};

/** XEP-0294 RTP header extension (`a=extmap`). */
export type HeaderExtension = { readonly id: number; readonly uri: string; readonly senders?: 'both' | 'initiator' | 'responder' | 'none' };

/** Jitsi's video source type. */
export type VideoType = 'camera' | 'desktop';

/**
 * XEP-0339 source: one SSRC with its name (`<endpoint>-a0`), msid, video type and Jitsi's
 * `ssrc-info owner` (the endpoint id that sends it). `rid` is set for RID-based simulcast.
 */
export type MediaSource = {
  readonly ssrc: number;
  readonly name?: string;
  readonly msid?: string;
  readonly videoType?: VideoType;
  readonly owner?: string;
  readonly rid?: string;
  /** Other `<parameter>`s (cname, …) kept for round trips. */
  readonly parameters: readonly CodecParameter[];
};

/** XEP-0339 `ssrc-group`: SIM (simulcast layers), FID (RTX pairs), FEC-FR. */
export type SourceGroup = { readonly semantics: 'SIM' | 'FID' | 'FEC-FR'; readonly ssrcs: readonly number[] };

/** XEP-0167 `<description>` of an audio or video content. */
export type RtpDescription = {
  readonly media: 'audio' | 'video';
  readonly payloadTypes: readonly PayloadType[];
  readonly headerExtensions: readonly HeaderExtension[];
  readonly extmapAllowMixed: boolean;
  readonly rtcpMux: boolean;
  readonly sources: readonly MediaSource[];
  readonly sourceGroups: readonly SourceGroup[];
  /** `maxptime` attribute of the description (jicofo sets 60 on audio). Added for round trips. */
  readonly maxPtimeMs?: number;
};

/** XEP-0176 candidate. */
export type IceCandidate = {
  readonly foundation: string;
  readonly component: number;
  readonly protocol: 'udp' | 'tcp';
  readonly priority: number;
  readonly ip: string;
  readonly port: number;
  readonly type: 'host' | 'srflx' | 'prflx' | 'relay';
  readonly generation: number;
  readonly id?: string;
  readonly network?: number;
  readonly relAddr?: string;
  readonly relPort?: number;
  readonly tcpType?: 'active' | 'passive' | 'so';
};

/** XEP-0320 DTLS fingerprint with its setup role (and Jitsi's `cryptex`). */
export type DtlsFingerprint = {
  readonly hash: string;
  readonly setup: 'actpass' | 'active' | 'passive';
  readonly value: string;
  readonly cryptex?: boolean;
};

/** XEP-0343 / Jitsi `sctpmap`: the data channel's SCTP association. */
export type SctpMap = { readonly number: number; readonly protocol: string; readonly streams?: number };

/** XEP-0176 `<transport>` with DTLS, candidates, the bridge-channel WebSocket and SCTP. */
export type IceUdpTransport = {
  readonly ufrag?: string;
  readonly pwd?: string;
  readonly fingerprints: readonly DtlsFingerprint[];
  readonly candidates: readonly IceCandidate[];
  readonly rtcpMux: boolean;
  /** `<web-socket xmlns="http://jitsi.org/protocol/colibri" url>`: the bridge channel. */
  readonly webSocketUrl?: string;
  readonly sctp?: SctpMap;
  /** `ice-generation` of a bridge transport re-sent after an in-place ICE restart (protocols.md §2.3). Added. */
  readonly iceGeneration?: number;
};

/** One `<content>`: audio, video, or the SCTP `data` content (no RTP description). */
export type JingleContent = {
  readonly name: string;
  readonly creator: 'initiator' | 'responder';
  readonly senders: 'both' | 'initiator' | 'responder' | 'none';
  readonly description?: RtpDescription;
  readonly transport?: IceUdpTransport;
  /** Jitsi's `<initial-last-n xmlns="jitsi:colibri2" value/>` inside the video content of a session-accept. */
  readonly initialLastN?: number;
  /**
   * The data content of jicofo's offer carries an empty `<description media="application"/>` (no RTP);
   * true when it was there / should be written. Added for round trips.
   */
  readonly hasApplicationDescription?: boolean;
};

/** XEP-0166 §7.4 reason conditions Plenum uses. */
export type JingleReasonCondition =
  | 'success' | 'busy' | 'cancel' | 'connectivity-error' | 'decline' | 'expired' | 'failed-application'
  | 'failed-transport' | 'general-error' | 'gone' | 'incompatible-parameters' | 'media-error'
  | 'security-error' | 'timeout' | 'unsupported-applications' | 'unsupported-transports' | 'alternative-session';

/** Jitsi's `<bridge-session xmlns="http://jitsi.org/protocol/focus" id region restart ice-restart/>`. */
export type BridgeSession = { readonly id: string; readonly region?: string; readonly restart?: boolean; readonly iceRestart?: boolean };

/**
 * Sources of one endpoint in Jitsi's compact JSON (`json-message` `{"sources":{owner:[…]}}`),
 * already expanded to the same model as XEP-0339 sources.
 */
export type EndpointSources = {
  readonly video: readonly MediaSource[];
  readonly videoGroups: readonly SourceGroup[];
  readonly audio: readonly MediaSource[];
  readonly audioGroups: readonly SourceGroup[];
};

/** A whole `<jingle>` element. */
export type Jingle = {
  readonly action: JingleAction;
  readonly sid: string;
  readonly initiator?: string;
  readonly responder?: string;
  readonly contents: readonly JingleContent[];
  /** XEP-0338 groups, e.g. BUNDLE of audio, video, data. */
  readonly groups: readonly { readonly semantics: string; readonly contents: readonly string[] }[];
  readonly bridgeSession?: BridgeSession;
  readonly reason?: { readonly condition: JingleReasonCondition; readonly text?: string };
  /** Sources carried as Jitsi compact JSON (when the peer advertised json-encoded-sources), by owner endpoint id. */
  readonly jsonSources?: Readonly<Record<string, EndpointSources>>;
  /** `<startmuted xmlns="http://jitsi.org/jitmeet/start-muted" audio video/>`. */
  readonly startMuted?: { readonly audio: boolean; readonly video: boolean };
  /** session-info `<ice-state xmlns="http://jitsi.org/protocol/focus">`. */
  readonly iceState?: string;
};
