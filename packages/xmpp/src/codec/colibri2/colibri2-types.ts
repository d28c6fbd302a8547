// COLIBRI2 (`jitsi:colibri2`), the focus ↔ bridge allocation protocol (protocols.md §3), as plain
// data. Media and transport reuse the Jingle model.
import type { HeaderExtension, IceUdpTransport, MediaSource, PayloadType, SourceGroup } from '../xep-0166-jingle/jingle-types.ts';

export const NS_COLIBRI2 = 'jitsi:colibri2';

/** `<media type>`: the codecs and header extensions an endpoint uses. */
export type Colibri2Media = {
  readonly type: 'audio' | 'video';
  readonly payloadTypes: readonly PayloadType[];
  readonly headerExtensions: readonly HeaderExtension[];
  readonly extmapAllowMixed: boolean;
};

/** `<sources><media-source type id>`: an endpoint's sources grouped by source name. */
export type Colibri2MediaSource = {
  readonly type: 'audio' | 'video';
  /** The source name, e.g. `1a2b3c4d-v0`. */
  readonly id: string;
  readonly sources: readonly MediaSource[];
  readonly sourceGroups: readonly SourceGroup[];
  /** `synthetic="true"`: a source the bridge or focus made up (e.g. for a relayed endpoint). */
  readonly synthetic?: boolean;
};

/** `<transport ice-controlling use-unique-port ice-restart>` with optional `<sctp>` and the ICE-UDP transport. */
export type Colibri2Transport = {
  readonly iceControlling?: boolean;
  readonly useUniquePort?: boolean;
  readonly iceRestart?: boolean;
  readonly sctp?: { readonly port?: number; readonly role?: 'client' | 'server' };
  readonly iceUdp?: IceUdpTransport;
};

/** `<endpoint>` in a conference-modify (request) or conference-modified (response). */
export type Colibri2Endpoint = {
  readonly id: string;
  readonly statsId?: string;
  readonly mucRole?: string;
  readonly create?: boolean;
  readonly expire?: boolean;
  readonly media: readonly Colibri2Media[];
  readonly transport?: Colibri2Transport;
  readonly sources?: readonly Colibri2MediaSource[];
  readonly forceMute?: { readonly audio: boolean; readonly video: boolean };
  readonly capabilities: readonly string[];
  readonly initialLastN?: number;
};

/** `<conference-modify>` (focus → bridge). */
export type ConferenceModify = {
  readonly meetingId: string;
  readonly name?: string;
  readonly create?: boolean;
  readonly expire?: boolean;
  readonly rtcstatsEnabled?: boolean;
  readonly endpoints: readonly Colibri2Endpoint[];
  /**
   * Names of `jitsi:colibri2` children this model does not cover (`relay`, `connects`, …), so a
   * receiver can refuse them instead of silently ignoring them. Decode-only: encoders never write it.
   */
  readonly unsupported?: readonly string[];
};

/** `<conference-modified>` (bridge → focus): per-endpoint transports and, on create, the bridge's feedback sources. */
export type ConferenceModified = {
  readonly meetingId?: string;
  readonly endpoints: readonly Colibri2Endpoint[];
  readonly sources?: readonly Colibri2MediaSource[];
};

/** Reasons carried by `<error xmlns="jitsi:colibri2" reason>` in an IQ error. */
export type Colibri2ErrorReason =
  | 'CONFERENCE_NOT_FOUND' | 'CONFERENCE_ALREADY_EXISTS' | 'UNKNOWN_ENDPOINT' | 'GRACEFUL_SHUTDOWN'
  | 'FEATURE_NOT_IMPLEMENTED' | 'UNKNOWN_ERROR';

/** Brewery presence `<stats xmlns="http://jitsi.org/protocol/colibri">` (protocols.md §4), typed for the keys the focus uses. */
export type BridgeStats = {
  readonly stressLevel: number;
  readonly region?: string;
  readonly relayId?: string;
  readonly version?: string;
  readonly gracefulShutdown: boolean;
  readonly shuttingDown: boolean;
  readonly drain: boolean;
  readonly healthy: boolean;
  readonly conferences?: number;
  readonly participants?: number;
  /** `endpoints`: local endpoints (JVB publishes it beside `participants`). */
  readonly endpoints?: number;
  /** `average_participant_stress`: the stress one more endpoint adds (jicofo's corrected stress). */
  readonly averageParticipantStress?: number;
  /** `release`: the deployment's release id (jicofo keeps conferences on one release). */
  readonly release?: string;
  /** Every `<stat name value>` as published, for the keys not typed above. */
  readonly raw: Readonly<Record<string, string>>;
};
