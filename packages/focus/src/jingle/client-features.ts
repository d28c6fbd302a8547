// The disco#info features of a participant that change what the focus offers it (protocols.md §2.1).
import type { MediaFeatures } from './media-defaults.ts';

/** Feature vars (XEP-0030) the focus looks for. */
export const FEATURE = {
  audio: 'urn:xmpp:jingle:apps:rtp:audio',
  video: 'urn:xmpp:jingle:apps:rtp:video',
  sctp: 'urn:xmpp:jingle:transports:dtls-sctp:1',
  rtx: 'urn:ietf:rfc:4588',
  tcc: 'http://jitsi.org/tcc',
  remb: 'http://jitsi.org/remb',
  opusRed: 'http://jitsi.org/opus-red',
  jsonSources: 'http://jitsi.org/json-encoded-sources',
  sourceNames: 'http://jitsi.org/source-name',
  ssrcRewriting: 'http://jitsi.org/ssrc-rewriting-1',
  jibri: 'http://jitsi.org/protocol/jibri',
  jigasi: 'http://jitsi.org/protocol/jigasi',
} as const;

/** What the offer depends on. */
export type ClientFeatures = MediaFeatures & {
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  /** Wants the SCTP data channel (the `data` content). */
  readonly hasSctp: boolean;
  /** Understands sources as compact JSON (`json-message`). */
  readonly hasJsonSources: boolean;
};

/**
 * Reads the features; `undefined` (the participant did not answer disco#info in time) gives what
 * every Jitsi-compatible client handles: audio, video, data channel, RTX and transport-cc, sources
 * in XEP-0339 form.
 */
export function clientFeaturesFrom(features: readonly string[] | undefined): ClientFeatures {
  if (features === undefined) {
    return { hasAudio: true, hasVideo: true, hasSctp: true, hasRtx: true, hasTcc: true, hasRemb: false, hasOpusRed: false, hasJsonSources: false };
  }
  const has = new Set(features);
  return {
    hasAudio: has.has(FEATURE.audio),
    hasVideo: has.has(FEATURE.video),
    hasSctp: has.has(FEATURE.sctp),
    hasRtx: has.has(FEATURE.rtx),
    hasTcc: has.has(FEATURE.tcc),
    hasRemb: has.has(FEATURE.remb),
    hasOpusRed: has.has(FEATURE.opusRed),
    hasJsonSources: has.has(FEATURE.jsonSources),
  };
}
