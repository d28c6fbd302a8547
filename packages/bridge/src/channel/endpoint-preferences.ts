// What each endpoint told the bridge over its channel and what outlives a reconnect: its receiver
// video settings (ReceiverVideoConstraints / LastNChangedEvent, partial updates), its audio
// subscription, and the video types of its own sources (SourceVideoTypeMessage, or the deprecated
// per-endpoint VideoTypeMessage). Plain state keyed by conference and endpoint; forgotten when the
// endpoint or conference expires, not when the socket closes (JVB keeps them on the Endpoint too).
import type { BridgeVideoType, ReceiverAudioSubscription, ReceiverVideoConstraintsUpdate, ReceiverVideoSettings } from '@plenum/xmpp/codec';
import { DEFAULT_RECEIVER_VIDEO_SETTINGS, applyReceiverVideoConstraints } from '@plenum/xmpp/codec';

/** Which audio a receiver wants; everything until it says otherwise. */
export type AudioSubscription = { readonly all: boolean; readonly include: readonly string[]; readonly exclude: readonly string[] };

/** Everybody's audio (the default). */
export const ALL_AUDIO: AudioSubscription = { all: true, include: [], exclude: [] };

/** One endpoint's stored preferences. */
type Preferences = {
  video: ReceiverVideoSettings;
  audio: AudioSubscription;
  /** Source name → type, for the endpoint's own sources. */
  readonly videoTypes: Map<string, BridgeVideoType>;
  /** From the deprecated VideoTypeMessage: applies to sources without their own type. */
  endpointVideoType: BridgeVideoType | undefined;
};

/**
 * Video types remembered per endpoint: an endpoint signals a handful of sources (protocols.md §10:
 * ≤ 20), so types for more source names than this are ignored rather than stored without bound.
 */
export const MAX_VIDEO_TYPES_PER_ENDPOINT = 32;

/** The video type of a source nobody said anything about (JVB's MediaSourceDesc default). */
export const DEFAULT_VIDEO_TYPE: BridgeVideoType = 'camera';

/** Per conference, per endpoint preferences. */
export class EndpointPreferences {
  readonly #byConference = new Map<string, Map<string, Preferences>>();

  /** The receiver settings, or the defaults (with the focus's initial last-N) if it sent none. */
  videoSettings(conferenceId: string, endpointId: string, initialLastN: number | undefined): ReceiverVideoSettings {
    const stored = this.#get(conferenceId, endpointId)?.video;
    if (stored !== undefined) return stored;
    return initialLastN === undefined ? DEFAULT_RECEIVER_VIDEO_SETTINGS : { ...DEFAULT_RECEIVER_VIDEO_SETTINGS, lastN: initialLastN };
  }

  /** Applies a partial update; returns the new settings, or undefined when nothing changed. */
  updateVideo(conferenceId: string, endpointId: string, initialLastN: number | undefined, update: ReceiverVideoConstraintsUpdate): ReceiverVideoSettings | undefined {
    const current = this.videoSettings(conferenceId, endpointId, initialLastN);
    const next = applyReceiverVideoConstraints(current, update);
    this.#getOrCreate(conferenceId, endpointId).video = next;
    return next === current ? undefined : next;
  }

  audioSubscription(conferenceId: string, endpointId: string): AudioSubscription {
    return this.#get(conferenceId, endpointId)?.audio ?? ALL_AUDIO;
  }

  /** Replaces the audio subscription (the message is not a partial update). */
  setAudioSubscription(conferenceId: string, endpointId: string, m: ReceiverAudioSubscription): AudioSubscription {
    // Without `all`, a message naming sources to include wants only those.
    const audio: AudioSubscription = { all: m.all ?? m.include === undefined, include: m.include ?? [], exclude: m.exclude ?? [] };
    this.#getOrCreate(conferenceId, endpointId).audio = audio;
    return audio;
  }

  /** The type of one of the endpoint's sources. */
  videoType(conferenceId: string, endpointId: string, sourceName: string): BridgeVideoType {
    const p = this.#get(conferenceId, endpointId);
    return p?.videoTypes.get(sourceName) ?? p?.endpointVideoType ?? DEFAULT_VIDEO_TYPE;
  }

  /** Records a source's type (or, with `sourceName` undefined, the endpoint-wide one); false if unchanged or over the cap. */
  setVideoType(conferenceId: string, endpointId: string, sourceName: string | undefined, videoType: BridgeVideoType): boolean {
    const p = this.#getOrCreate(conferenceId, endpointId);
    if (sourceName === undefined) {
      if (p.endpointVideoType === videoType) return false;
      p.endpointVideoType = videoType;
      return true;
    }
    const known = p.videoTypes.get(sourceName);
    if (known === videoType || (known === undefined && p.videoTypes.size >= MAX_VIDEO_TYPES_PER_ENDPOINT)) return false;
    p.videoTypes.set(sourceName, videoType);
    return true;
  }

  removeEndpoint(conferenceId: string, endpointId: string): void {
    const c = this.#byConference.get(conferenceId);
    c?.delete(endpointId);
    if (c?.size === 0) this.#byConference.delete(conferenceId);
  }

  removeConference(conferenceId: string): void {
    this.#byConference.delete(conferenceId);
  }

  #get(conferenceId: string, endpointId: string): Preferences | undefined {
    return this.#byConference.get(conferenceId)?.get(endpointId);
  }

  #getOrCreate(conferenceId: string, endpointId: string): Preferences {
    let c = this.#byConference.get(conferenceId);
    if (c === undefined) {
      c = new Map();
      this.#byConference.set(conferenceId, c);
    }
    let p = c.get(endpointId);
    if (p === undefined) {
      p = { video: DEFAULT_RECEIVER_VIDEO_SETTINGS, audio: ALL_AUDIO, videoTypes: new Map(), endpointVideoType: undefined };
      c.set(endpointId, p);
    }
    return p;
  }
}
